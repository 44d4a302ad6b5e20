"""API users: Basic-auth checks with a slow hash, and a safe cache of verified credentials.

A verified (username, password) pair is remembered for ``api.auth_cache_seconds`` as a keyed
digest, never the password itself. Any change to the configuration (a user blocked, a
password changed) empties the cache, so a revoked credential stops working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.domain.password_hash import hash_password, verify_password
from otpbroker.domain.ports import Settings

UserLookup = Callable[[str], Mapping[str, Any] | None]
MAX_CACHE = 10_000


class ApiAuthenticator:
    """Checks API users (active, not blocked, right password)."""

    def __init__(
        self,
        lookup: UserLookup,
        settings: Settings,
        generation: Callable[[], int],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._settings = settings
        self._generation = generation
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._cache: dict[bytes, float] = {}
        self._cache_generation = -1
        self._dummy_hash = hash_password(secrets.token_urlsafe(16))

    def _digest(self, username: str, password: str) -> bytes:
        material = username.encode("utf-8") + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, material, hashlib.sha256).digest()

    def authenticate(self, username: str, password: str) -> bool:
        """True for an active, unblocked user with the right password."""
        if not username or not password or len(username) > 64 or len(password) > 1024:
            return False
        digest = self._digest(username, password)
        now = self._clock()
        with self._lock:
            if self._cache_generation != self._generation():
                self._cache.clear()
                self._cache_generation = self._generation()
            expires = self._cache.get(digest)
            if expires is not None and expires > now:
                return True
        user = self._lookup(username)
        if user is None:
            verify_password(password, self._dummy_hash)  # same cost as a real check
            return False
        if not verify_password(password, str(user.get("password_hash") or "")):
            return False
        if not user.get("active", False) or user.get("blocked", False):
            return False
        ttl = float(self._settings.get("api.auth_cache_seconds"))
        if ttl > 0:
            with self._lock:
                if len(self._cache) >= MAX_CACHE:
                    self._cache.clear()
                self._cache[digest] = now + ttl
        return True
