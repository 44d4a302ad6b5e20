"""API users: Basic-auth checks with a slow hash, and a safe cache of verified credentials.

A verified (username, password) pair is remembered for ``api.auth_cache_seconds`` as a keyed
digest, never the password itself. Any change to the API users (one blocked, a password
changed) empties the cache, so a revoked credential stops working at once.

The slow hash costs ~30 ms and 16 MiB: concurrent requests with the same credentials wait
for one verification instead of running their own, and at most one verification per CPU
runs at a time, so a burst of logins cannot exhaust memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.domain.password_hash import verify_password, verify_unknown_user
from otpbroker.domain.ports import Settings

UserLookup = Callable[[str], Mapping[str, Any] | None]
MAX_CACHE = 10_000


class _Flight:
    """One verification in progress; others with the same credentials wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.valid = False


class ApiAuthenticator:
    """Checks API users (active, not blocked, right password)."""

    def __init__(
        self,
        lookup: UserLookup,
        settings: Settings,
        users_version: Callable[[], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._settings = settings
        self._users_version = users_version
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._cache: dict[bytes, float] = {}
        self._cache_version: object = object()
        self._inflight: dict[bytes, _Flight] = {}
        self._slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        self._verifications = 0

    @property
    def verifications(self) -> int:
        """Slow-hash verifications run so far (cache misses; benchmarks check the cache)."""
        return self._verifications

    def _digest(self, username: str, password: str) -> bytes:
        material = username.encode("utf-8") + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, material, hashlib.sha256).digest()

    def _cached(self, digest: bytes) -> bool:
        """True when ``digest`` was verified recently (caller holds the lock)."""
        version = self._users_version()
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
        expires = self._cache.get(digest)
        return expires is not None and expires > self._clock()

    def authenticate(self, username: str, password: str) -> bool:
        """True for an active, unblocked user with the right password."""
        if not username or not password or len(username) > 64 or len(password) > 1024:
            return False
        digest = self._digest(username, password)
        with self._lock:
            if self._cached(digest):
                return True
            flight = self._inflight.get(digest)
            leader = flight is None
            if flight is None:
                flight = self._inflight[digest] = _Flight()
        if not leader:
            flight.done.wait(30)
            return flight.valid  # the leader's answer (also when the cache is off)
        try:
            flight.valid = self._verify(username, password)
            if flight.valid:
                self._remember(digest)
            return flight.valid
        finally:
            with self._lock:
                self._inflight.pop(digest, None)
            flight.done.set()

    def _verify(self, username: str, password: str) -> bool:
        user = self._lookup(username)
        with self._slots:
            with self._lock:
                self._verifications += 1
            if user is None:
                return verify_unknown_user(password)  # same cost as a real check
            if not verify_password(password, str(user.get("password_hash") or "")):
                return False
        return bool(user.get("active", False)) and not user.get("blocked", False)

    def _remember(self, digest: bytes) -> None:
        ttl = float(self._settings.get("api.auth_cache_seconds"))
        if ttl <= 0:
            return
        with self._lock:
            if len(self._cache) >= MAX_CACHE:
                self._cache.clear()
            self._cache[digest] = self._clock() + ttl
