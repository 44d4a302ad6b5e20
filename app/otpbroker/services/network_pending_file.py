"""The record of network changes waiting for confirmation: ``<data-dir>/network-pending.json``.

For each change applied with the safety net it keeps the helper's token and the PREVIOUS
stored values of exactly the settings and records the change touched, so they can be put
back after the helper reverted the system files, even after a restart of the app. The file
is written atomically with mode 0600 (it may hold the previous Wi-Fi passphrase, the same
value the configuration file holds; nothing else secret is accepted: see ``ALLOWED_*``).

A damaged file is set aside as ``network-pending.json.damaged`` (never silently dropped)
and reported to the caller, which logs it and tells the admin.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "network-pending.json"
LOCK_NAME = ".network-pending.lock"
FORMAT_VERSION = 1
ALLOWED_SETTING_PREFIXES = ("wlan.", "dhcp.", "ethernet.", "network.")
ALLOWED_COLLECTIONS = ("firewall_ports",)


class DamagedFileError(ValueError):
    """The record file could not be understood; it was moved to ``aside``."""

    def __init__(self, path: Path, aside: Path | None, reason: str) -> None:
        where = f"moved aside to {aside}" if aside else "it could not be moved aside"
        super().__init__(f"{path} is damaged ({reason}); {where}")
        self.aside = aside


@dataclass(frozen=True)
class RecordBefore:
    """One record as it was before a change; ``fields`` None: it did not exist."""

    collection: str
    record_id: str
    fields: dict[str, Any] | None


@dataclass
class UnconfirmedChange:
    """A change applied with the safety net and not confirmed yet.

    ``token`` is None while the helper has not answered the apply yet; ``confirming`` is
    True while the owner's confirmation is on its way to the helper.
    """

    summary: str
    token: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    records: list[RecordBefore] = field(default_factory=list)
    confirming: bool = False
    recorded_at: float = 0.0

    def check(self) -> None:
        """ValueError unless only network settings and firewall records are involved."""
        for key in self.settings:
            if not str(key).startswith(ALLOWED_SETTING_PREFIXES):
                raise ValueError(f"setting {key!r} is not a network setting")
        for record in self.records:
            if record.collection not in ALLOWED_COLLECTIONS:
                raise ValueError(f"collection {record.collection!r} is not a network collection")

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in the file."""
        return {
            "token": self.token,
            "summary": self.summary,
            "settings": self.settings,
            "records": [
                {"collection": r.collection, "id": r.record_id, "fields": r.fields}
                for r in self.records
            ],
            "confirming": self.confirming,
            "recorded_at": self.recorded_at,
        }

    @classmethod
    def from_json(cls, data: Any) -> UnconfirmedChange:
        """Parse one stored change (ValueError/KeyError/TypeError when malformed)."""
        if not isinstance(data, dict):
            raise TypeError(f"a change must be an object, got {type(data).__name__}")
        token = data["token"]
        if token is not None and not isinstance(token, str):
            raise TypeError("token must be a string or null")
        settings = data["settings"]
        if not isinstance(settings, dict):
            raise TypeError("settings must be an object")
        records = []
        for item in data["records"]:
            fields = item["fields"]
            if fields is not None and not isinstance(fields, dict):
                raise TypeError("record fields must be an object or null")
            records.append(RecordBefore(str(item["collection"]), str(item["id"]), fields))
        change = cls(
            summary=str(data["summary"]),
            token=token,
            settings=settings,
            records=records,
            confirming=bool(data["confirming"]),
            recorded_at=float(data.get("recorded_at", 0.0)),
        )
        change.check()
        return change


class PendingChangeFile:
    """Loads and stores the unconfirmed changes; ``guard()`` serialises threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Hold the thread lock and an exclusive ``flock`` next to the file (re-entrant)."""
        with self._thread_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = self.path.with_name(LOCK_NAME)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
            finally:
                os.close(fd)  # releases the flock

    def exists(self) -> bool:
        """True when a record file is present (cheap: no parsing)."""
        return self.path.exists()

    def load(self) -> list[UnconfirmedChange]:
        """The recorded changes (``[]`` without a file); DamagedFileError after setting a
        damaged file aside."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
                raise ValueError(f"not a version {FORMAT_VERSION} record")
            return [UnconfirmedChange.from_json(item) for item in data["changes"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DamagedFileError(self.path, self._set_aside(), str(exc)) from None

    def _set_aside(self) -> Path | None:
        aside = self.path.with_name(self.path.name + ".damaged")
        try:
            os.replace(self.path, aside)
        except OSError:
            return None
        return aside

    def save(self, changes: list[UnconfirmedChange]) -> None:
        """Store ``changes`` atomically and durably (mode 0600); no file when empty."""
        if not changes:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        for change in changes:
            change.check()
        text = json.dumps(
            {"version": FORMAT_VERSION, "changes": [c.to_json() for c in changes]},
            indent=1, sort_keys=True,
        )  # fmt: skip
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
