"""De-duplication of message ids across every feeder (REST, RabbitMQ, WebSocket, MQTT).

The same OTP published to two feeders must be sent once: the first ``claim`` of a key
wins, later ones within the window are answered as duplicates.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

#: Keys longer than this are stored as their SHA-256 digest, so memory stays bounded.
MAX_KEY_CHARS = 128


class DedupWindow:
    """Remembers claimed keys for ``window_seconds``; thread-safe and bounded.

    At most ``max_entries`` keys are kept; beyond that the oldest claim is forgotten.
    ``clock`` must be monotonic (it is injectable for tests).
    """

    def __init__(
        self,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 100_000,
    ) -> None:
        """Create an empty window."""
        if not window_seconds > 0:
            raise ValueError(f"window_seconds must be positive, got {window_seconds}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self._window = float(window_seconds)
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        # key -> time of claim; insertion order == claim order (the clock is monotonic).
        self._claims: OrderedDict[str, float] = OrderedDict()

    @property
    def window_seconds(self) -> float:
        """How long a claimed key is remembered."""
        return self._window

    def __repr__(self) -> str:
        """Window length and number of keys held (never the keys)."""
        return f"DedupWindow(window_seconds={self._window}, entries={len(self._claims)})"

    def __len__(self) -> int:
        """Number of keys currently held (expired ones may linger until the next call)."""
        return len(self._claims)

    def claim(self, key: str) -> bool:
        """True if ``key`` was not seen within the window (it is now claimed), else False."""
        stored = _storage_key(key)
        with self._lock:
            now = self._clock()
            self._purge(now)
            if stored in self._claims:
                return False
            self._claims[stored] = now
            while len(self._claims) > self._max_entries:
                self._claims.popitem(last=False)
            return True

    def release(self, key: str) -> bool:
        """Forget a claim (the message was rejected before any send); True if it was held."""
        stored = _storage_key(key)
        with self._lock:
            return self._claims.pop(stored, None) is not None

    def seen(self, key: str) -> bool:
        """True if ``key`` is claimed and not expired (does not claim it)."""
        stored = _storage_key(key)
        with self._lock:
            self._purge(self._clock())
            return stored in self._claims

    def clear(self) -> None:
        """Forget every claim."""
        with self._lock:
            self._claims.clear()

    def _purge(self, now: float) -> None:
        claims = self._claims
        while claims:
            oldest_key = next(iter(claims))
            if now - claims[oldest_key] < self._window:
                break
            del claims[oldest_key]


def _storage_key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"dedup key must be str, got {type(key).__name__}")
    if len(key) <= MAX_KEY_CHARS:
        return "k:" + key
    return "h:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


__all__ = ["MAX_KEY_CHARS", "DedupWindow"]
