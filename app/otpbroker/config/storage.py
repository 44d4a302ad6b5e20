"""A crash-safe TinyDB storage: whole-file JSON written by temp file + fsync + rename.

A reader sees either the old or the new file, never a torn one, even if the writer is
killed or the power fails mid-write. Temp files left by a killed writer are ignored by
readers and removed the next time the storage is opened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from otpbroker.config.errors import CorruptConfigError

log = logging.getLogger(__name__)

FILE_MODE = 0o600
STALE_TEMP_SECONDS = 600

Signature = tuple[int, int, int]
"""(inode, mtime_ns, size) of the file: changes whenever the file is replaced."""


def signature_of(result: os.stat_result) -> Signature:
    """The change-detection signature of a stat result."""
    return (result.st_ino, result.st_mtime_ns, result.st_size)


def file_signature(path: str | os.PathLike[str]) -> Signature | None:
    """Signature of ``path``, or None when it does not exist."""
    try:
        return signature_of(os.stat(path))
    except FileNotFoundError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def keep_owner(fd: int, reference: str | os.PathLike[str]) -> None:
    """As root, give the file behind ``fd`` the owner of ``reference``.

    So that a root CLI never leaves a file the unprivileged service cannot read.
    """
    if os.geteuid() != 0:
        return
    with contextlib.suppress(FileNotFoundError):
        info = os.stat(reference)
        if info.st_uid != 0 or info.st_gid != 0:
            os.fchown(fd, info.st_uid, info.st_gid)


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage writing ``path`` atomically with mode 0600."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self.directory = self.path.parent
        self.signature: Signature | None = None
        """Signature of the state last read or written by this storage."""
        self.remove_stale_temp_files()

    # -- temp files ------------------------------------------------------------------

    def _temp_prefix(self) -> str:
        return f".{self.path.name}."

    def remove_stale_temp_files(self) -> list[Path]:
        """Delete temp files of writers that died (or are older than 10 minutes)."""
        removed = []
        prefix = self._temp_prefix()
        for candidate in self.directory.glob(prefix + "*.tmp"):
            parts = candidate.name[len(prefix) :].split(".")
            if len(parts) != 3 or not parts[0].isdigit():
                continue
            pid = int(parts[0])
            try:
                age = time.time() - candidate.lstat().st_mtime
            except FileNotFoundError:
                continue
            writer_gone = pid != os.getpid() and not _pid_alive(pid)
            if writer_gone or age > STALE_TEMP_SECONDS:
                with contextlib.suppress(FileNotFoundError):
                    candidate.unlink()
                    removed.append(candidate)
        if removed:
            log.info("removed %d temp file(s) left by an interrupted write", len(removed))
        return removed

    # -- Storage interface -----------------------------------------------------------

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole database, or None when the file is missing or empty."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            self.signature = None
            return None
        with os.fdopen(fd, "rb") as handle:
            signature = signature_of(os.fstat(handle.fileno()))
            raw = handle.read()
        if not raw.strip():
            self.signature = signature
            return None
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CorruptConfigError(str(self.path), f"not valid JSON ({error})") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise CorruptConfigError(str(self.path), "not a TinyDB document (object of tables)")
        self.signature = signature  # only a state that could be read counts as seen
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the file with ``data`` atomically and durably."""
        payload = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True).encode()
        temp = self.directory / f"{self._temp_prefix()}{os.getpid()}.{secrets.token_hex(6)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(temp, flags, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), FILE_MODE)
                self._keep_owner(handle.fileno())
                handle.write(payload)
                handle.flush()
                self._advance_mtime(handle.fileno())
                os.fsync(handle.fileno())
                written = signature_of(os.fstat(handle.fileno()))
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        fsync_directory(self.directory)
        self.signature = written

    def _keep_owner(self, fd: int) -> None:
        """When root (e.g. the CLI) writes, keep the owner of the old file (or directory)."""
        keep_owner(fd, self.path if self.path.exists() else self.directory)

    def _advance_mtime(self, fd: int) -> None:
        """Make mtime strictly grow, so (inode, mtime_ns, size) differs after every write.

        Without this, a reused inode number, an unticked clock and an equal size could
        hide a change from :func:`file_signature`.
        """
        try:
            old_mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return
        mtime = max(time.time_ns(), old_mtime + 1)
        os.utime(fd, ns=(mtime, mtime))


class FileLock:
    """Re-entrant exclusive ``flock`` on a lock file, shared by every process using it.

    Not thread-safe by itself: the caller serialises threads (ConfigStore's RLock). The
    descriptor is opened per acquisition, so a forked child never shares the lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        """Take the lock (blocking), or count one more level when already held."""
        if self._depth == 0:
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
            fd = os.open(self.path, flags, FILE_MODE)
            try:
                keep_owner(fd, self.path.parent)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        self._depth += 1

    def release(self) -> None:
        """Undo one :meth:`acquire`; the last one closes the descriptor (and the lock)."""
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
