"""Configuration written by other processes (``otp-broker config set``) picked up at once.

A thread refreshes the store every second; the store tells its subscribers when the stored
generation changed, so the broker follows without a restart.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)


class Refreshable(Protocol):
    """A store that re-reads what other processes wrote (``ConfigStore``)."""

    def refresh(self) -> object:
        """Re-read the stored configuration when it changed on disk."""
        ...


class ConfigWatcher:
    """Refreshes ``store`` every ``interval`` seconds on a thread of its own."""

    def __init__(self, store: Refreshable, interval: float = 1.0) -> None:
        """Not running until ``start``."""
        self._store = store
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="config-watch", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the thread ends within one interval)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._store.refresh()
            except Exception:
                log.exception("configuration refresh failed")


__all__ = ["ConfigWatcher", "Refreshable"]
