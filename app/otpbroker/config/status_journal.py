"""FileStatusJournal: messages' lives (``domain.ports.StatusJournal``) as an append-only file.

One line per change: ``<crc32 hex> <json>`` holding the message's whole record as it is now
(ids, user or source, states and times, the masked number, the modem, the parts' TP-MRs,
their reports, and a keyed digest of the recipient): never a text, never the whole number.
On load the last line of each message wins; a line whose checksum does not match (a torn
last record after a power cut) is ignored, and records older than the retention are left
out. The file is compacted by an atomic rewrite (temporary file, fsync, rename) once it
holds twice as many lines as live messages.

Lines are flushed, not fsynced, one by one: a crash of the process loses nothing, a power
cut may lose the last seconds of statuses (the send ledger, not this file, is what keeps a
message from going out twice).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from otpbroker.config.atomic_file import replace_file
from otpbroker.config.checked_lines import checked_body, checked_line, file_lines
from otpbroker.domain.status_record import MAX_STATUSES, StatusRecord

log = logging.getLogger(__name__)

FILE_NAME = "status-journal.log"
_MIN_COMPACT_RECORDS = 1_000


class FileStatusJournal:
    """Message records, durable in ``path`` (thread-safe); ``retention`` gives the seconds a
    record is kept after its latest change (read at each load and compaction)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        retention: Callable[[], float],
        *,
        clock: Callable[[], float] = time.time,
        min_compact: int = _MIN_COMPACT_RECORDS,
        max_statuses: int = MAX_STATUSES,
    ) -> None:
        """Open ``path`` (created when missing); ``clock`` is wall-clock time; at most
        ``max_statuses`` messages are kept (the oldest go first)."""
        self._max = max_statuses
        self.path = Path(path)
        self._retention = retention
        self._clock = clock
        self._min_compact = min_compact
        self._lock = threading.Lock()
        self._live: dict[tuple[str, str], tuple[float, bytes]] = {}
        self._records = 0
        damaged = self._read()
        self._file: Any = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        if damaged or self._records > self._compact_at():
            self._compact()

    def __repr__(self) -> str:
        """Path and number of messages (never their ids)."""
        return f"FileStatusJournal({str(self.path)!r}, messages={len(self._live)})"

    # -- the StatusJournal port ----------------------------------------------------------------
    def load(self) -> list[StatusRecord]:
        """The latest record of every message within the retention, oldest change first."""
        with self._lock:
            self._purge()
            lines = sorted(self._live.values(), key=lambda item: item[0])
        records = (_parse(line) for _at, line in lines)
        return [record for record in records if record is not None]

    def save(self, record: StatusRecord) -> None:
        """Append ``record`` (flushed). Once the journal is closed (a graceful stop closes it
        while the last sends end) the file is opened for each late line."""
        line = _line(record)
        with self._lock:
            if self._file is None:
                with open(self.path, "ab") as late:
                    late.write(line)
            else:
                self._file.write(line)
                self._file.flush()
            self._records += 1
            self._live[record.key] = (record.updated_at, line)
            if self._file is not None and self._records > self._compact_at():
                self._compact()

    def close(self) -> None:
        """Fsync and close the file."""
        with self._lock:
            if self._file is not None:
                os.fsync(self._file.fileno())
                self._file.close()
                self._file = None

    # -- upkeep --------------------------------------------------------------------------------
    def _compact_at(self) -> int:
        return max(2 * len(self._live), self._min_compact)

    def _purge(self) -> None:
        """Forget records older than the retention (lock held or during construction)."""
        oldest = self._clock() - float(self._retention())
        for key in [key for key, (at, _line) in self._live.items() if at < oldest]:
            del self._live[key]
        while len(self._live) > self._max:
            del self._live[next(iter(self._live))]

    def _compact(self) -> None:
        """Rewrite the file with the live records only, atomically."""
        self._purge()
        lines = sorted(self._live.values(), key=lambda item: item[0])
        replace_file(self.path, b"".join(line for _at, line in lines))
        if getattr(self, "_file", None) is not None:
            self._file.close()
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        self._records = len(self._live)

    def _read(self) -> bool:
        """Read the file; True when a line was damaged (torn or corrupt)."""
        damaged = False
        for line in file_lines(self.path):
            record = _parse(line)
            if record is None:
                damaged = True
                continue
            self._records += 1
            self._live.pop(record.key, None)
            self._live[record.key] = (record.updated_at, line + b"\n")
        self._purge()
        if damaged:
            log.warning("status journal %s: damaged record(s) ignored", self.path.name)
        return damaged


def _line(record: StatusRecord) -> bytes:
    body = {
        "i": record.message_id,
        "s": record.source,
        "u": record.owner,
        "r": record.recipient,
        "h": [[state, round(at, 3)] for state, at in record.history],
        "m": record.modem_id,
        "p": record.parts,
        "e": record.error_code,
        "mr": list(record.references),
        "d": record.recipient_digest,
        "pr": list(record.part_reports),
        "sa": None if record.sent_at is None else round(record.sent_at, 3),
    }
    return checked_line(body)


def _parse(line: bytes) -> StatusRecord | None:
    """The record of one line; None when its checksum or shape is wrong."""
    body = checked_body(line)
    if body is None:
        return None
    try:
        sent_at = body["sa"]
        record = StatusRecord(
            message_id=str(body["i"]),
            source=str(body["s"]),
            owner=None if body["u"] is None else str(body["u"]),
            recipient=str(body["r"]),
            history=tuple((str(state), float(at)) for state, at in body["h"]),
            modem_id=None if body["m"] is None else str(body["m"]),
            parts=int(body["p"]),
            error_code=None if body["e"] is None else str(body["e"]),
            references=tuple(int(ref) for ref in body["mr"]),
            recipient_digest=str(body["d"]),
            part_reports=tuple(int(st) for st in body["pr"]),
            sent_at=None if sent_at is None else float(sent_at),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return record if record.history else None


__all__ = ["FILE_NAME", "FileStatusJournal"]
