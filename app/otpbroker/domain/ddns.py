"""Dynamic DNS: what one provider update ended in, and the ports the updater works through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol


class Outcome(Enum):
    """How a provider answered one update."""

    UPDATED = "updated"  # the record now holds the new address
    UNCHANGED = "unchanged"  # it already held it (nothing written)
    RETRY = "retry"  # a temporary failure: try again after a back-off
    FATAL = "fatal"  # the provider wants no more updates until a person fixes something


@dataclass(frozen=True)
class UpdateResult:
    """One provider answer: outcome, the provider's words, and how long to wait on RETRY."""

    outcome: Outcome
    answer: str
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        """True when the record holds the address now."""
        return self.outcome in (Outcome.UPDATED, Outcome.UNCHANGED)


class DnsProvider(Protocol):
    """Points one host name at an IPv4 address at one provider account."""

    def update(self, record: Mapping[str, Any], address: str) -> UpdateResult:
        """Set the A record ``record["name"]`` to ``address``; never raises for answers."""
        ...


class AddressFinder(Protocol):
    """Finds the device's public IPv4 address."""

    def find(self) -> str:
        """The address, or LookupError saying why none was found."""
        ...


ANSWER_MAX = 200


def short_answer(text: str, limit: int = ANSWER_MAX) -> str:
    """A provider answer on one line, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
