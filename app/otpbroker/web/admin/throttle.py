"""Login rate limiting: after repeated failures an account and an address are locked out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5
LOCK_SECONDS = 300.0
WINDOW_SECONDS = 900.0


class LoginThrottle:
    """Counts failures per key (``user:<name>`` and ``ip:<address>``)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}

    def locked_for(self, *keys: str) -> float:
        """Seconds until every key may try again (0 when none is locked)."""
        now = self._clock()
        with self._lock:
            remaining = max((self._locked_until.get(k, 0.0) - now for k in keys), default=0.0)
        return max(0.0, remaining)

    def failed(self, *keys: str) -> None:
        """Record a failure; lock a key after MAX_FAILURES within the window."""
        now = self._clock()
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < WINDOW_SECONDS]
                recent.append(now)
                self._failures[key] = recent
                if len(recent) >= MAX_FAILURES:
                    self._locked_until[key] = now + LOCK_SECONDS
                    self._failures[key] = []
            if len(self._failures) > 10_000:
                self._failures.clear()

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of these keys."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
