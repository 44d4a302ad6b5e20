"""One webhook's lane: its FIFO of events and the thread that posts them, one at a time.

The head of the lane is posted until it is delivered or buried (dead letter): a later event
is never posted before an earlier one to the same webhook, so each message's events arrive
in order. A failed post waits an exponential back-off with jitter before the next attempt.
The lane is bounded: a new event beyond the bound pushes the oldest waiting one out (to the
dead letters). Events live in memory only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from otpbroker.services.webhook_failures import TOO_OLD, attempts_failed

log = logging.getLogger(__name__)

LANE_BOUND = 10_000


@dataclass
class Pending:
    """One event on its way to one webhook (``body``: the exact bytes, memory only)."""

    webhook_id: str
    event_id: str
    kind: str
    message_id: str | None
    body: bytes
    queued_at: float  # time.monotonic(): the age limit counts from here
    queued_wall: float  # time.time(): shown to the admin
    attempts: int = 0
    last_error: str = ""

    def age(self) -> float:
        """Seconds since it was queued (or retried from the dead letters)."""
        return time.monotonic() - self.queued_at


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures: ``first`` doubling up to ``cap``,
    times a random factor between 0.5 and 1 (so many webhooks do not retry in step)."""

    first: float = 1.0
    cap: float = 300.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed attempts."""
        base = min(self.cap, self.first * 2 ** max(0, failures - 1))
        return base * (0.5 + random.random() / 2)


class LaneHost(Protocol):
    """What a lane needs of the delivery that owns it."""

    def record(self, webhook_id: str) -> dict[str, Any] | None:
        """The webhook's current record (None once it is deleted)."""
        ...

    def limits(self) -> tuple[int, float]:
        """(most attempts per event, oldest age in seconds) from the settings."""
        ...

    def post(self, item: Pending, record: dict[str, Any]) -> str | None:
        """Post once: None when delivered, else why not (never raises)."""
        ...

    def bury(self, item: Pending, reason: str) -> None:
        """Move the event to the dead letters."""
        ...

    def count(self, result: str) -> None:
        """Count one attempt's result (delivered, failed)."""
        ...


class Lane:
    """One webhook's FIFO and its posting thread."""

    def __init__(self, webhook_id: str, host: LaneHost, backoff: Backoff, bound: int) -> None:
        """An empty lane; ``start`` runs its thread."""
        self.webhook_id = webhook_id
        self.last_error = ""
        self._host = host
        self._backoff = backoff
        self._bound = bound
        self._queue: deque[Pending] = deque()
        self._current: Pending | None = None
        self._cond = threading.Condition()
        self._woken = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"webhook-{webhook_id}", daemon=True)

    def start(self) -> None:
        """Run the posting thread."""
        self._thread.start()

    def halt(self) -> None:
        """Stop after the post in flight (its backlog is dropped: memory only)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def join(self, wait: float) -> None:
        """Wait up to ``wait`` seconds for the thread to end (a post in flight may outlive
        it: the thread is a daemon)."""
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(wait)

    @property
    def backlog(self) -> int:
        """Events waiting, with the one in flight."""
        with self._cond:
            return len(self._queue) + (self._current is not None)

    def push(self, item: Pending) -> Pending | None:
        """Queue at the tail; the oldest waiting event when the lane was full (to bury)."""
        with self._cond:
            pushed_out = self._queue.popleft() if len(self._queue) >= self._bound else None
            self._queue.append(item)
            self._cond.notify_all()
        return pushed_out

    def push_front(self, item: Pending) -> None:
        """Queue at the head and attempt now (a dead letter sent again)."""
        with self._cond:
            self._queue.appendleft(item)
            self._woken = True
            self._cond.notify_all()

    def wake(self) -> None:
        """End a back-off or a pause now (an edit, "retry now")."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def _next(self) -> Pending | None:
        with self._cond:
            self._cond.wait_for(lambda: self._queue or self._stopping)
            if self._stopping:
                return None
            self._current = self._queue.popleft()
            return self._current

    def _put_back(self, item: Pending) -> None:
        with self._cond:
            self._queue.appendleft(item)
            self._current = None

    def _done(self) -> None:
        with self._cond:
            self._current = None

    def _sleep(self, seconds: float | None) -> None:
        with self._cond:
            self._woken = False
            self._cond.wait_for(lambda: self._woken or self._stopping, seconds)

    def _run(self) -> None:
        while (item := self._next()) is not None:
            try:
                self._handle(item)
            except Exception:  # a bug must not end the lane: the event is kept
                log.exception("webhook %s: event %s not handled", self.webhook_id, item.event_id)
                self._put_back(item)
                self._sleep(self._backoff.delay(item.attempts or 1))

    def _handle(self, item: Pending) -> None:
        record = self._host.record(self.webhook_id)
        if record is None:  # deleted: the delivery forgets the lane
            self._done()
            return
        if not record.get("active", True):
            self._put_back(item)
            self._sleep(None)  # paused until an edit wakes it
            return
        most, oldest = self._host.limits()
        if item.age() > oldest:
            self._bury(item, TOO_OLD.format(detail=f"{oldest:g}"))
            return
        error = self._host.post(item, record)
        if error is None:
            self._host.count("delivered")
            self._done()
            return
        item.attempts += 1
        item.last_error = self.last_error = error
        self._host.count("failed")
        if item.attempts >= most:
            self._bury(item, attempts_failed(item.attempts))
            return
        self._put_back(item)
        self._sleep(self._backoff.delay(item.attempts))

    def _bury(self, item: Pending, reason: str) -> None:
        self._done()
        self._host.bury(item, reason)


__all__ = ["LANE_BOUND", "Backoff", "Lane", "LaneHost", "Pending"]
