"""Change detection for ConfigStore: a generation counter and subscriber callbacks."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from otpbroker.config.storage import Signature

log = logging.getLogger(__name__)

Callback = Callable[[int], None]


class ChangeTracker:
    """Counts the file states seen (by signature) and tells subscribers about new ones.

    The owner calls :meth:`observe` and :meth:`take_pending` while holding ``lock`` and
    :meth:`notify` after releasing it, so callbacks may use the store freely.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._generation = 0
        self._seen: Signature | None = None
        self._pending = False
        self._subscribers: list[Callback] = []

    @property
    def generation(self) -> int:
        """Number of changes seen or made since :meth:`start`."""
        with self._lock:
            return self._generation

    def start(self, signature: Signature | None) -> None:
        """Take ``signature`` as the known state, at generation 0."""
        with self._lock:
            self._seen, self._generation, self._pending = signature, 0, False

    def is_new(self, signature: Signature | None) -> bool:
        """True when ``signature`` differs from the last state seen."""
        with self._lock:
            return signature != self._seen

    def observe(self, signature: Signature | None) -> None:
        """Count a change when ``signature`` is new."""
        with self._lock:
            if signature != self._seen:
                self._seen = signature
                self._generation += 1
                self._pending = True

    def take_pending(self) -> int | None:
        """The generation to announce, once per batch of changes (else None)."""
        with self._lock:
            if not self._pending:
                return None
            self._pending = False
            return self._generation

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Register ``callback(generation)``; returns a function that unregisters it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def notify(self, generation: int) -> None:
        """Call every subscriber; one that raises is logged and does not stop the others."""
        with self._lock:
            callbacks = list(self._subscribers)
        for callback in callbacks:
            try:
                callback(generation)
            except Exception:
                log.exception("configuration change subscriber failed")
