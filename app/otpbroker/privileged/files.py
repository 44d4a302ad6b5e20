"""Reading staged files safely, installing atomically, and keeping backups to roll back to."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

MAX_STAGED_BYTES = 64 * 1024


def read_staged(stage_dir: Path, name: str) -> bytes:
    """The staged file ``stage_dir/name``: a regular file (not a symlink) of at most 64 KiB."""
    path = stage_dir / name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ValueError(f"nothing staged for {name}: {path} does not exist") from None
    except OSError as exc:
        if os.path.islink(path):
            raise ValueError(f"staged file {path} is a symbolic link; refused") from None
        raise ValueError(f"staged file {path} cannot be opened: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"staged file {path} is not a regular file; refused")
        if info.st_size > MAX_STAGED_BYTES:
            raise ValueError(
                f"staged file {path} has {info.st_size} bytes; at most {MAX_STAGED_BYTES} allowed"
            )
        data = os.read(fd, MAX_STAGED_BYTES + 1)
        if len(data) > MAX_STAGED_BYTES:
            raise ValueError(f"staged file {path} grew beyond {MAX_STAGED_BYTES} bytes; refused")
        return data
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def install(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same dir, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove(path: Path) -> None:
    """Delete ``path`` (restoring "there was no file before")."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)


def read_current(path: Path) -> tuple[bytes, int] | None:
    """The installed file's bytes and permission bits, or None when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(), stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
