"""A feeder kind's counts, kept for the whole process.

The manager gives every instance of a kind the same ``FeederTally``: a feeder restarted
because its settings changed, or disabled and enabled again, counts on from where the last
one stopped, so ``/metrics`` counters never go back. An instance that is still finishing a
message after it was replaced counts into the same tally: nothing is lost either.
"""

from __future__ import annotations

import threading
from typing import TypedDict, cast

FIELDS = ("received", "processed", "rejected", "reconnects", "news_sent", "news_dropped")


class Counts(TypedDict):
    """A snapshot of a tally (the ``FeederStatus`` fields of the same names)."""

    received: int
    processed: int
    rejected: int
    reconnects: int
    news_sent: int
    news_dropped: int


class FeederTally:
    """Thread-safe message and reconnect counts (``FIELDS``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(FIELDS, 0)

    def add(self, field: str, amount: int = 1) -> None:
        """Count ``amount`` more of ``field`` (one of ``FIELDS``)."""
        if field not in self._counts:
            raise KeyError(field)
        with self._lock:
            self._counts[field] += amount

    def counts(self) -> Counts:
        """A snapshot of every count."""
        with self._lock:
            return cast(Counts, dict(self._counts))


__all__ = ["FIELDS", "Counts", "FeederTally"]
