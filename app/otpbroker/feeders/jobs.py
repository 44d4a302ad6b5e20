"""One message's commands as jobs of the keyed executor (``ordering.py``).

Each command is tried, and tried again in its place while it is answered "try later" and
the feeder's retry policy allows (``retry.py``); the message is done when all of them are.
Once the feeder is stopping, a command is neither started nor tried again: it ends with
its last "try later" answer, or ``NOT_STARTED``, so that its message is left with the
broker (requeued, not acknowledged) instead of holding the stop up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from otpbroker.feeders.retry import RetryPolicy
from otpbroker.services.replies import Code, Reply

log = logging.getLogger(__name__)

NOT_STARTED = Reply("", Code.STOPPING, "not carried out: the feeder stopped")
"""The answer of a command the feeder did not start because it stopped (a "try later":
its message goes back to the broker)."""


class Batch:
    """The commands of one message: ``finish(replies)`` once every one is done."""

    def __init__(self, size: int, finish: Callable[[list[Reply]], None]) -> None:
        self._replies: list[Reply | None] = [None] * size
        self._left = size
        self._lock = threading.Lock()
        self._finish = finish

    def done(self, index: int, reply: Reply | None) -> None:
        """Command ``index`` ended with ``reply`` (None: it failed without one)."""
        with self._lock:
            self._replies[index] = reply
            self._left -= 1
            last = self._left == 0
        if last:
            self._finish([reply for reply in self._replies if reply is not None])

    def close(self) -> None:
        """A message without commands is done at once."""
        self._finish([])


@dataclass(frozen=True)
class Retrying:
    """What a command's job needs from its feeder."""

    name: str
    policy: RetryPolicy
    stopping: threading.Event
    tally: Callable[[Reply | None], None]
    """Counts a command's final answer (None: it failed without one)."""


class CommandJob:
    """One command of a message: ``run()`` is the keyed executor's job."""

    def __init__(self, retrying: Retrying, command: str, attempt: Callable[[], Reply | None],
                 batch: Batch, index: int) -> None:  # fmt: skip
        self.retrying, self.command, self.attempt = retrying, command, attempt
        self.batch, self.index = batch, index
        self.tries = 0
        self.last: Reply | None = None

    def run(self) -> float | None:
        """Try the command; the delay before the next try, or None when it is done."""
        retrying = self.retrying
        if retrying.stopping.is_set():
            self.batch.done(self.index, self.last or replace(NOT_STARTED, command=self.command))
            return None
        answer = self.attempt()
        self.tries += 1
        delay = None
        if answer is not None and not retrying.stopping.is_set():
            delay = retrying.policy.delay(answer, self.tries - 1)
        if answer is not None and delay is not None:
            self.last = answer
            log.info("%s feeder: %s answered %s; try %d in %.1f s", retrying.name,
                     self.command, answer.code.response_code, self.tries + 1, delay)  # fmt: skip
            return delay
        retrying.tally(answer)
        self.batch.done(self.index, answer)
        return None
