"""Listeners of a service's news (sent messages, alerts): add, remove, tell them all.

A listener that raises is logged and skipped: a bug in the monitor or the mailer must never
stop the one whose news it is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

L = TypeVar("L", bound=Callable[..., object])


class Listeners(Generic[L]):
    """A thread-safe list of listeners of one kind; ``what`` names it in the log."""

    def __init__(self, what: str) -> None:
        """No listener yet."""
        self._what = what
        self._lock = threading.Lock()
        self._listeners: list[L] = []

    def subscribe(self, listener: L) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def tell(self, *news: object) -> None:
        """Call every listener with ``news`` (in the caller's thread, without the lock)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(*news)
            except Exception:
                log.exception("%s listener failed", self._what)


__all__ = ["Listeners"]
