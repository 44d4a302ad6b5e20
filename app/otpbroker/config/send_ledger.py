"""FileSendLedger: the send ledger (``domain.ports.SendLedger``) as an append-only file.

One line per record: ``<crc32 hex> <json>`` with the key, the state and the time (never a
text). ``sending`` is appended and fsynced just before the first ``AT+CMGS`` of a message,
the outcome after its result. On load a record whose checksum does not match (a torn last
record after a power cut) is ignored, and a ``sending`` record with no outcome reads as
``unknown``: the message might have been sent.

Bounded in age (records older than ``max_age`` seconds are forgotten) and in size (at most
``max_entries`` keys, the oldest go first); the file is compacted by an atomic rewrite
(temporary file, fsync, rename, fsync of the directory) once it holds twice as many records
as live keys.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from otpbroker.config.atomic_file import replace_file
from otpbroker.config.checked_lines import checked_body, checked_line, file_lines
from otpbroker.domain.ports import LEDGER_STATES, LedgerEntry

log = logging.getLogger(__name__)

FILE_NAME = "send-ledger.log"
#: The longest a message may be worth (``sms.default_ttl_seconds`` at most): a record is
#: kept at least this long.
LONGEST_TTL_SECONDS = 604_800
MAX_ENTRIES = 100_000
MAX_KEY_CHARS = 200
_MIN_COMPACT_RECORDS = 1_000


class FileSendLedger:
    """Keys and their send states, durable in ``path`` (thread-safe)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_age: float = LONGEST_TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
        fsync: Callable[[int], None] = os.fsync,
    ) -> None:
        """Load ``path`` (created when missing); ``clock`` is wall-clock time."""
        if not max_age > 0:
            raise ValueError(f"max_age must be positive, got {max_age}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self.path = Path(path)
        self.max_age = float(max_age)
        self.max_entries = max_entries
        self._clock = clock
        self._fsync = fsync
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, LedgerEntry] = OrderedDict()
        self._records = 0  # records in the file (live or not)
        damaged = self._load()
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open, closed by close()
        if damaged or self._records > self._compact_at():
            self._compact()

    def __repr__(self) -> str:
        """Path and number of keys (never the keys)."""
        return f"FileSendLedger({str(self.path)!r}, entries={len(self._entries)})"

    def __len__(self) -> int:
        """Keys held."""
        with self._lock:
            return len(self._entries)

    # -- the SendLedger port -------------------------------------------------------------------
    def lookup(self, key: str) -> LedgerEntry | None:
        """The latest record of ``key``; None when there is none or it aged out."""
        with self._lock:
            self._purge(self._clock())
            return self._entries.get(_stored(key))

    def sending(self, key: str) -> None:
        """Append and fsync ``sending`` for ``key`` (before the first ``AT+CMGS``)."""
        self._record(key, "sending")

    def finished(self, key: str, state: str) -> None:
        """Append and fsync the outcome of ``key``."""
        if state not in LEDGER_STATES or state == "sending":
            raise ValueError(f"not an outcome: {state!r}; one of {LEDGER_STATES[1:]}")
        self._record(key, state)

    def close(self) -> None:
        """Close the file (records already written stay)."""
        with self._lock:
            self._file.close()

    # -- writing ---------------------------------------------------------------------------
    def _record(self, key: str, state: str) -> None:
        stored = _stored(key)
        with self._lock:
            now = self._clock()
            self._file.write(_line(stored, state, now))
            self._file.flush()
            self._fsync(self._file.fileno())
            self._records += 1
            self._entries.pop(stored, None)
            self._entries[stored] = LedgerEntry(state, now)
            self._purge(now)
            if self._records > self._compact_at():
                self._compact()

    def _compact_at(self) -> int:
        return max(2 * len(self._entries), _MIN_COMPACT_RECORDS)

    def _purge(self, now: float) -> None:
        """Forget keys older than ``max_age`` and the oldest beyond ``max_entries``."""
        entries = self._entries
        while entries and (
            len(entries) > self.max_entries or now - next(iter(entries.values())).at > self.max_age
        ):
            entries.popitem(last=False)

    def _compact(self) -> None:
        """Rewrite the file with the live keys only, atomically and durably (lock held or
        during construction)."""
        self._purge(self._clock())
        lines = (_line(key, entry.state, entry.at) for key, entry in self._entries.items())
        replace_file(self.path, b"".join(lines), fsync=self._fsync)
        self._file.close()
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open, closed by close()
        self._records = len(self._entries)

    # -- loading ---------------------------------------------------------------------------
    def _load(self) -> bool:
        """Read the file; True when a record was damaged (torn or corrupt)."""
        damaged = False
        loaded: list[tuple[str, LedgerEntry]] = []
        for line in file_lines(self.path):
            record = _parse(line)
            if record is None:
                damaged = True
                continue
            loaded.append(record)
        loaded.sort(key=_entry_time)  # the order of the times, whatever the file's order
        for key, entry in loaded:
            if entry.state == "sending":  # no outcome: it might have been sent
                entry = LedgerEntry("unknown", entry.at)
            self._entries.pop(key, None)
            self._entries[key] = entry
        self._records = len(loaded)
        self._purge(self._clock())
        if damaged:
            log.warning("send ledger %s: damaged record(s) ignored", self.path.name)
        return damaged


def _entry_time(record: tuple[str, LedgerEntry]) -> float:
    return record[1].at


def _stored(key: str) -> str:
    """The key as recorded: as it is, or its SHA-256 when longer than MAX_KEY_CHARS."""
    if not isinstance(key, str) or not key:
        raise ValueError("a ledger key must be a non-empty string")
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _line(key: str, state: str, at: float) -> bytes:
    return checked_line({"k": key, "s": state, "t": round(at, 3)})


def _parse(line: bytes) -> tuple[str, LedgerEntry] | None:
    """The key and entry of one line; None when its checksum or shape is wrong."""
    record = checked_body(line)
    if record is None:
        return None
    try:
        key, state, at = record["k"], record["s"], float(record["t"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(key, str) or state not in LEDGER_STATES:
        return None
    return key, LedgerEntry(state, at)


__all__ = ["FILE_NAME", "LONGEST_TTL_SECONDS", "MAX_ENTRIES", "FileSendLedger"]
