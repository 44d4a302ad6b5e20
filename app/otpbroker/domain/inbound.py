"""One received SMS part as a modem read it from its SIM, before reassembly.

Held in memory only (its ``repr`` masks the sender and leaves the text out). ``slot`` is
where the part sits in the SIM store: the modem deletes it there once the services say the
part was handed over (alone, as part of a complete message, or of one given up on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from otpbroker.domain.msisdn import mask_msisdn

OPERATOR_DIGITS = 6
"""A numeric sender this short (or shorter) is a service's short code, not a person."""


@dataclass(frozen=True)
class SimSlot:
    """A place in a modem's message store: memory name (``SM``, ``ME``...) and index;
    ``index`` 0: the part was routed to us directly (``+CMT``) and was never stored."""

    memory: str
    index: int


@dataclass(frozen=True)
class InboundPart:
    """One SMS-DELIVER part: who sent it, when, its text and its place in a long message."""

    modem_id: str
    slot: SimSlot
    sender: str
    text: str
    sent_at: float
    """The service centre's time stamp (epoch seconds)."""
    alphanumeric: bool = False
    concat: tuple[int, int, int] | None = None
    """(reference, total, sequence) of one part of a concatenated message."""

    def __repr__(self) -> str:
        """Masked sender and text length only."""
        return (
            f"InboundPart(modem_id={self.modem_id!r}, slot={self.slot!r}, "
            f"sender={mask_msisdn(self.sender)!r}, text=<{len(self.text)} chars>, "
            f"concat={self.concat!r})"
        )

    __str__ = __repr__


def is_operator(sender: str, alphanumeric: bool) -> bool:
    """True for an operator or service sender: a name, or a short code of at most
    ``OPERATOR_DIGITS`` digits."""
    if alphanumeric:
        return True
    digits = sender.lstrip("+")
    return not digits.isdigit() or len(digits) <= OPERATOR_DIGITS


InboundPartListener = Callable[[InboundPart], Sequence[SimSlot]]
"""Takes one part (on the modem's owner thread, must not block) and answers the slots that
may now be deleted: its own, every part of a message it completed or gave up on, or none
while the message it belongs to is incomplete (those parts stay on the SIM)."""


class InboundReader(Protocol):
    """What the modems hand received parts to (``services.inbound.InboundService``)."""

    def take(self, part: InboundPart) -> Sequence[SimSlot]:
        """An ``InboundPartListener``: the slots that may be deleted now."""
        ...

    def poll_seconds(self) -> float | None:
        """Seconds between listings of each SIM; None while reading is off."""
        ...


__all__ = [
    "OPERATOR_DIGITS",
    "InboundPart",
    "InboundPartListener",
    "InboundReader",
    "SimSlot",
    "is_operator",
]
