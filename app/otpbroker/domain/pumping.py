"""Limits against SMS pumping (toll fraud): sliding-window counts and destination lists.

Pure logic on numbers in MSISDN form and on times the caller hands in (any monotonic
clock, so tests use a fake one). ``PumpingGuard.admit`` either refuses a message, naming
the reason and, for a rate limit, when it could pass, or counts it in every window at once.

A sliding window keeps, per key, the times of at most ``limit`` admitted messages: the
count in the window is how many of those fall inside it, and the wait is the time until the
oldest one leaves it. Keys nothing was admitted to for a whole window are dropped, so the
memory held is bounded by what was admitted within the longest window.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Why a message is refused; every reason is a label of ``/metrics`` and an event code.
RATE_REASONS = ("recipient", "prefix", "user")
LIST_REASONS = ("country", "prefix_denied", "prefix_not_allowed")
REASONS = RATE_REASONS + LIST_REASONS


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` messages per ``seconds`` for one key of ``scope`` (0 = no limit).

    ``scope`` is one of ``RATE_REASONS``: the recipient number, its prefix, or the API user
    / feeder the message came from; ``name`` says which setting it is (for the reply)."""

    scope: str
    count: int
    seconds: int
    name: str = ""

    @property
    def active(self) -> bool:
        """False when the limit is off (a count of 0)."""
        return self.count > 0 and self.seconds > 0


@dataclass(frozen=True)
class Refusal:
    """Why a message may not be sent: a reason of ``REASONS`` and, for a rate limit, the
    whole seconds until it could pass (None for a list, which does not pass by waiting)."""

    reason: str
    limit: RateLimit | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class DestinationRules:
    """Allowed country codes and allowed / denied prefixes, all digits in MSISDN form.

    An empty allow list allows everything; every non-empty allow list must match; a denied
    prefix refuses the number even when an allowed prefix or country matches it."""

    countries: tuple[str, ...] = ()
    allowed_prefixes: tuple[str, ...] = ()
    denied_prefixes: tuple[str, ...] = ()

    def refusal(self, msisdn: str) -> Refusal | None:
        """The list that refuses ``msisdn``, or None when it may be sent to."""
        if _starts_with_any(msisdn, self.denied_prefixes):
            return Refusal("prefix_denied")
        if self.countries and not _starts_with_any(msisdn, self.countries):
            return Refusal("country")  # country codes are prefix-free: a prefix test is exact
        if self.allowed_prefixes and not _starts_with_any(msisdn, self.allowed_prefixes):
            return Refusal("prefix_not_allowed")
        return None


def _starts_with_any(msisdn: str, prefixes: Iterable[str]) -> bool:
    return any(msisdn.startswith(prefix) for prefix in prefixes if prefix)


def number_prefix(msisdn: str, dropped_digits: int) -> str:
    """``msisdn`` without its last ``dropped_digits`` digits (at least one digit is kept)."""
    keep = max(1, len(msisdn) - max(0, dropped_digits))
    return msisdn[:keep]


class SlidingWindow:
    """Per key, the times of the last admitted messages within ``seconds``."""

    def __init__(self, seconds: int) -> None:
        """A window of ``seconds``; keys are created as messages are admitted."""
        self.seconds = seconds
        self._times: dict[str, list[float]] = {}  # oldest first

    def wait(self, key: str, count: int, now: float) -> float:
        """Seconds until one more message for ``key`` fits under ``count`` (0: it fits now)."""
        times = self._times.get(key)
        if times is None:
            return 0.0
        inside = [at for at in times if at > now - self.seconds]
        if len(inside) < count:
            return 0.0
        return inside[-count] + self.seconds - now

    def add(self, key: str, count: int, now: float) -> None:
        """Count one message for ``key`` (keeping at most ``count`` times)."""
        times = self._times.setdefault(key, [])
        times.append(now)
        if len(times) > count:
            del times[: len(times) - count]

    def prune(self, now: float) -> None:
        """Forget keys with nothing inside the window."""
        stale = [key for key, times in self._times.items() if times[-1] <= now - self.seconds]
        for key in stale:
            del self._times[key]

    def __len__(self) -> int:
        """How many keys are held."""
        return len(self._times)


class PumpingGuard:
    """Checks and counts messages against rate limits, thread-safe; pure in-memory state."""

    def __init__(self, prune_every: float = 60.0) -> None:
        """Windows are created per ``(scope, seconds)``; stale keys go every ``prune_every``."""
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int], SlidingWindow] = {}
        self._prune_every = prune_every
        self._pruned = -math.inf

    def admit(
        self, keys: Mapping[str, str], limits: Sequence[RateLimit], now: float
    ) -> Refusal | None:
        """Refuse when any active limit is full, else count the message in every one.

        ``keys`` maps each scope to the message's key in it. The reason is the first full
        limit's (in the order given); ``retry_after`` is the longest wait of the full ones,
        so a retry after it passes unless more messages were admitted meanwhile."""
        active = [limit for limit in limits if limit.active and limit.scope in keys]
        with self._lock:
            self._prune(now)
            waits = [(self._window(limit).wait(keys[limit.scope], limit.count, now), limit)
                     for limit in active]  # fmt: skip
            full = [(wait, limit) for wait, limit in waits if wait > 0]
            if full:
                longest = max(wait for wait, _limit in full)
                return Refusal(full[0][1].scope, full[0][1], max(1, math.ceil(longest)))
            for limit in active:
                self._window(limit).add(keys[limit.scope], limit.count, now)
        return None

    def held(self) -> int:
        """Keys held over every window (for tests and diagnostics)."""
        with self._lock:
            return sum(len(window) for window in self._windows.values())

    def _window(self, limit: RateLimit) -> SlidingWindow:
        key = (limit.scope, limit.seconds)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(limit.seconds)
        return window

    def _prune(self, now: float) -> None:
        if now - self._pruned < self._prune_every:
            return
        self._pruned = now
        for window in self._windows.values():
            window.prune(now)


__all__ = [
    "LIST_REASONS",
    "RATE_REASONS",
    "REASONS",
    "DestinationRules",
    "PumpingGuard",
    "RateLimit",
    "Refusal",
    "SlidingWindow",
    "number_prefix",
]
