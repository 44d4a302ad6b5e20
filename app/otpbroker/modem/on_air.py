"""The sends handed to a modem's owner thread, until their outcome: what a stop waits for.

The pool waits for a send's outcome here instead of on its future alone, so that a stop can
end every wait at its bound (``give_up``): a caller still waiting then learns that its send
is on the air with no answer yet (``GaveUp``), and the stop goes on. ``wait_idle`` is how
the stop waits for the sends on the air to finish.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any


class GaveUp(Exception):
    """The stop's bound came before the send's outcome; ``started``: the modem had taken
    it (it may still be sent), else it never will be."""

    def __init__(self, started: bool) -> None:
        super().__init__("gave up waiting for the outcome at the stop's bound")
        self.started = started


class OnAir:
    """The futures of sends handed to modems, and the callers waiting for them."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._futures: set[Future[Any]] = set()
        self._waits: set[threading.Event] = set()
        self._gave_up = False

    def result(self, future: Future[Any], timeout: float | None) -> Any:
        """The future's result within ``timeout`` seconds (None: until it comes).

        FutureTimeout at the time-out; GaveUp once ``give_up`` was called; CancelledError
        when it was cancelled."""
        done = threading.Event()
        with self._changed:
            self._futures.add(future)
            self._waits.add(done)
            gave_up = self._gave_up
        future.add_done_callback(lambda finished: self._finished(finished, done))
        try:
            if not gave_up:
                done.wait(timeout)
            if future.done():
                return future.result()
            if self._gave_up:
                raise GaveUp(started=not future.cancel())
            raise FutureTimeout()
        finally:
            with self._changed:
                self._waits.discard(done)

    def _finished(self, future: Future[Any], done: threading.Event) -> None:
        done.set()
        with self._changed:
            self._futures.discard(future)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until no send is with a modem; True when none is."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._futures, max(0.0, timeout))

    def give_up(self) -> int:
        """End every wait now, and every later one at once (``GaveUp``); how many callers
        were waiting."""
        with self._changed:
            self._gave_up = True
            waits = list(self._waits)
        for done in waits:
            done.set()
        return len(waits)


__all__ = ["GaveUp", "OnAir"]
