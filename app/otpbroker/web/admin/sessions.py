"""Admin sessions in memory: random tokens, idle and absolute expiry, a CSRF token each."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
MAX_SESSIONS = 1000


@dataclass(frozen=True)
class Session:
    """One logged-in administrator."""

    token: str
    admin_id: str
    csrf: str
    created: float
    last_seen: float


class SessionStore:
    """Sessions by token; a restart logs everybody out (nothing is written to disk)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self, admin_id: str) -> Session:
        """A new session for ``admin_id``."""
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), admin_id, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._purge(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
                del self._sessions[oldest.token]
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token`` (its idle timer restarts), else None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_seen > IDLE_SECONDS or now - session.created > ABSOLUTE_SECONDS:
                del self._sessions[token]
                return None
            session = replace(session, last_seen=now)
            self._sessions[token] = session
            return session

    def destroy(self, token: str | None) -> None:
        """Log one session out."""
        with self._lock:
            self._sessions.pop(token or "", None)

    def destroy_admin(self, admin_id: str, keep: str | None = None) -> None:
        """Log an administrator out everywhere (but ``keep``), e.g. after a password change."""
        with self._lock:
            for token, session in list(self._sessions.items()):
                if session.admin_id == admin_id and token != keep:
                    del self._sessions[token]

    def _purge(self, now: float) -> None:
        for token, session in list(self._sessions.items()):
            if now - session.last_seen > IDLE_SECONDS or now - session.created > ABSOLUTE_SECONDS:
                del self._sessions[token]
