"""Small private files (mode 0600 in a 0700 folder) that keep the data directory's owner.

The factory secrets may be created by root (``otp-broker factory-init`` at first boot) while
the service runs as an unprivileged account that owns the data directory: as root, every file
and folder written here is handed to the owner of the data directory, so the service can
still read them, and nobody else can.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def _owner_of(reference: Path) -> tuple[int, int] | None:
    """(uid, gid) to give new files when running as root, else None."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(FileNotFoundError):
        info = reference.stat()
        if info.st_uid != 0 or info.st_gid != 0:
            return info.st_uid, info.st_gid
    return None


def private_folder(folder: Path, owner_reference: Path) -> Path:
    """Create ``folder`` (0700) if needed; as root, give it the owner of ``owner_reference``."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    owner = _owner_of(owner_reference)
    if owner is not None:
        os.chown(folder, *owner)
    return folder


def write_private(path: Path, text: str, owner_reference: Path | None = None) -> None:
    """Write ``text`` atomically and durably to ``path`` with mode 0600."""
    reference = owner_reference or path.parent.parent
    private_folder(path.parent, reference)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            owner = _owner_of(reference)
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def hand_over(folder: Path, owner_reference: Path) -> None:
    """As root, give ``folder`` and the files directly in it the owner of ``owner_reference``."""
    owner = _owner_of(owner_reference)
    if owner is None or not folder.is_dir():
        return
    os.chown(folder, *owner)
    for entry in folder.iterdir():
        if entry.is_file() and not entry.is_symlink():
            os.chown(entry, *owner)
