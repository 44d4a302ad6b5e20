"""The process's stop, as every part sees it: not stopping, stopping, or stopping in a hurry.

``begin()`` is the first stop request (the API refuses new work, the feeders stop taking
messages, sends on the air finish); ``hurry()`` a second one (the stop ends as soon as it is
safe). Both are called from ordinary threads, never from a signal handler.
"""

from __future__ import annotations

import threading


class Shutdown:
    """The stop state of the process, shared by the parts that must behave differently."""

    def __init__(self) -> None:
        self._begun = threading.Event()
        self._hurried = threading.Event()

    def begin(self) -> None:
        """Start a graceful stop (idempotent)."""
        self._begun.set()

    def hurry(self) -> None:
        """Shorten a stop to the minimum safe one (it begins too, if it had not)."""
        self._begun.set()
        self._hurried.set()

    @property
    def stopping(self) -> bool:
        """True once a stop has begun."""
        return self._begun.is_set()

    def is_on(self) -> bool:
        """``stopping`` as a function, for those that ask it later."""
        return self._begun.is_set()

    @property
    def hurried(self) -> bool:
        """True once the stop was asked to be short."""
        return self._hurried.is_set()

    def wait_hurried(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``hurry()``; True when it came."""
        return self._hurried.wait(timeout)
