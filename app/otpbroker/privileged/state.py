"""The pending change waiting for confirmation, kept in the helper's private state dir.

The state dir lies under the app's data dir, so the helper trusts it only when it is owned
by the helper's own user and not writable by anyone else; the pending record holds target
names only (checked against the fixed table again), never paths.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from otpbroker.privileged import files
from otpbroker.privileged.targets import resolve

PENDING_FILE = "pending.json"
BACKUP_DIR = "backup"


@dataclass
class Pending:
    """A change applied with ``--confirm-within``: reverted unless confirmed in time."""

    token: str
    deadline: float
    targets: list[str]
    modes: dict[str, int | None] = field(default_factory=dict)  # None: there was no file
    timer_pid: int | None = None


def _trusted(path: Path, what: str) -> None:
    info = os.lstat(path)
    if info.st_uid != os.geteuid() or info.st_mode & 0o022 or stat.S_ISLNK(info.st_mode):
        raise ValueError(
            f"{what} {path} is not owned by uid {os.geteuid()} or is writable by others; "
            "refusing to trust it"
        )


class StateDir:
    """The helper's own directory: lock, pending record, backups, scratch space."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def ensure(self) -> Path:
        """Create the directory (mode 0700) and check it may be trusted."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _trusted(self.path, "state dir")
        (self.path / BACKUP_DIR).mkdir(mode=0o700, exist_ok=True)
        _trusted(self.path / BACKUP_DIR, "backup dir")
        return self.path

    def load(self) -> Pending | None:
        """The pending change, or None."""
        path = self.path / PENDING_FILE
        if not path.exists():
            return None
        _trusted(path, "pending record")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            pending = Pending(
                token=str(data["token"]),
                deadline=float(data["deadline"]),
                targets=[resolve(str(name)).name for name in data["targets"]],
                modes={str(k): (None if v is None else int(v)) for k, v in data["modes"].items()},
                timer_pid=None if data.get("timer_pid") is None else int(data["timer_pid"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"pending record {path} is damaged: {exc}") from None
        if set(pending.modes) != set(pending.targets):
            raise ValueError(f"pending record {path} is damaged: backups do not match targets")
        return pending

    def save(self, pending: Pending) -> None:
        """Store the pending record atomically (mode 0600)."""
        data = json.dumps(asdict(pending), sort_keys=True).encode()
        files.install(self.path / PENDING_FILE, data, mode=0o600)

    def clear(self) -> None:
        """Forget the pending change and its backups."""
        files.remove(self.path / PENDING_FILE)
        for backup in (self.path / BACKUP_DIR).iterdir():
            files.remove(backup)

    def backup_path(self, target: str) -> Path:
        """Where the previous content of ``target`` is kept while a change is pending."""
        return self.path / BACKUP_DIR / resolve(target).name

    def read_backup(self, target: str) -> bytes:
        """The kept previous content of ``target``."""
        path = self.backup_path(target)
        _trusted(path, "backup")
        return path.read_bytes()
