"""A read-only view of the settings, re-read only when the configuration changed.

Hot paths (every API request, every message) read several settings; this keeps each read
a dictionary look-up while still seeing every change at once (the store's generation moves
on every change it makes or notices).
"""

from __future__ import annotations

import threading
from typing import Any

from otpbroker.config.store import ConfigStore


class SettingsSnapshot:
    """``get(key)`` like ``ConfigStore.get``, served from a copy per generation."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._generation = -1
        self._values: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        """The current value of ``key``; KeyError-free: unknown keys go to the store."""
        generation = self._store.generation
        values = self._values
        if generation != self._generation:
            with self._lock:
                if generation != self._generation:
                    self._values = values = self._store.settings()
                    self._generation = generation
                else:
                    values = self._values
        if key in values:
            return values[key]
        return self._store.get(key)
