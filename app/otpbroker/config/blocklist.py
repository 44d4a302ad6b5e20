"""The blocking list kept in the configuration, with an in-memory set for fast checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from otpbroker.config.errors import ConfigError, NotFoundError
from otpbroker.config.store import ConfigStore

COLLECTION = "blocklist"


class ConfigBlockList:
    """Implements the domain's BlockList port on top of ``ConfigStore``."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._numbers: frozenset[str] = frozenset()
        self._generation = -1

    def _current(self) -> frozenset[str]:
        generation = self._store.generation
        with self._lock:
            if generation != self._generation:
                self._numbers = frozenset(r["msisdn"] for r in self._store.list(COLLECTION))
                self._generation = generation
            return self._numbers

    def is_blocked(self, msisdn: str) -> bool:
        """True if ``msisdn`` (MSISDN form) is blocked."""
        return msisdn in self._current()

    def block(self, msisdn: str, source: str) -> bool:
        """Add ``msisdn``; False when it was already blocked."""
        if self.is_blocked(msisdn):
            return False
        created = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            self._store.add(COLLECTION, {"msisdn": msisdn, "created_at": created, "source": source})
        except ConfigError:
            if self.is_blocked(msisdn):  # another request added it first
                return False
            raise
        return True

    def unblock(self, msisdn: str) -> bool:
        """Remove ``msisdn``; False when it was not blocked."""
        removed = False
        for record in self._store.find(COLLECTION, msisdn=msisdn):
            try:
                self._store.delete(COLLECTION, record["id"])
            except NotFoundError:
                continue  # another request unblocked it at the same moment
            removed = True
        return removed
