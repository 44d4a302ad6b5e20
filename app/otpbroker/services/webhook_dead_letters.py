"""The dead-letter list: events a webhook did not take in time, kept in memory only.

An event lands here after ``webhooks.max_attempts`` failed posts, once older than
``webhooks.max_age_seconds``, or when its webhook's lane was full. The list is bounded (the
oldest letter leaves first, counted) and lives in memory only: an inbound SMS's text must
never reach the disk, and a restart empties it. "Retry now" takes a letter back out.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from otpbroker.services.webhook_lane import Pending

DEAD_BOUND = 10_000


@dataclass(frozen=True)
class DeadLetter:
    """One buried event, why, and when."""

    letter_id: str
    item: Pending
    reason: str
    dead_at: float

    def view(self) -> dict[str, Any]:
        """What the admin sees (ids, counts, times, the error: never the body)."""
        return {
            "id": self.letter_id,
            "webhook": self.item.webhook_id,
            "event_id": self.item.event_id,
            "kind": self.item.kind,
            "message_id": self.item.message_id,
            "attempts": self.item.attempts,
            "last_error": self.item.last_error,
            "reason": self.reason,
            "queued_at": self.item.queued_wall,
            "dead_at": self.dead_at,
        }


class DeadLetters:
    """A bounded, thread-safe list of dead letters."""

    def __init__(self, bound: int = DEAD_BOUND) -> None:
        """Empty."""
        self._bound = bound
        self._letters: OrderedDict[str, DeadLetter] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0

    def add(self, item: Pending, reason: str) -> DeadLetter:
        """Bury ``item``; the oldest letter leaves when the list is full."""
        with self._lock:
            letter = DeadLetter(str(next(self._ids)), item, reason, time.time())
            self._letters[letter.letter_id] = letter
            while len(self._letters) > self._bound:
                self._letters.popitem(last=False)
                self.dropped += 1
            return letter

    def views(self) -> list[dict[str, Any]]:
        """Every letter, newest first."""
        with self._lock:
            return [letter.view() for letter in reversed(self._letters.values())]

    def take(self, letter_id: str) -> Pending | None:
        """Remove one letter; its event (None when there is no such letter)."""
        with self._lock:
            letter = self._letters.pop(letter_id, None)
        return letter.item if letter is not None else None

    def take_all(self) -> list[Pending]:
        """Remove every letter; their events, oldest first."""
        with self._lock:
            items = [letter.item for letter in self._letters.values()]
            self._letters.clear()
        return items

    def forget(self, webhook_id: str) -> None:
        """Drop the letters of a deleted webhook."""
        with self._lock:
            for key in [k for k, v in self._letters.items() if v.item.webhook_id == webhook_id]:
                del self._letters[key]

    def __len__(self) -> int:
        """How many letters."""
        with self._lock:
            return len(self._letters)


__all__ = ["DEAD_BOUND", "DeadLetter", "DeadLetters"]
