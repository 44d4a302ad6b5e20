"""Replacing a small state file durably: the whole new content or the old, never half.

A private temporary file beside the target (mode 0600, the owner of a reference file when
run as root), written and fsynced, renamed over the target, then the directory fsynced so
the rename itself survives a power cut. The SIM counts and the compacted send ledger use it;
the configuration file has its own storage (``storage.py``) with stale-file clean-up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from otpbroker.config.storage import FILE_MODE, keep_owner


def replace_file(
    path: Path,
    payload: bytes,
    *,
    owner_reference: Path | None = None,
    fsync: Callable[[int], None] = os.fsync,
) -> None:
    """Make ``payload`` the content of ``path`` atomically and durably.

    ``owner_reference``: as root, the new file gets this file's owner (default: ``path``
    itself when it exists, else its directory); ``fsync``: injectable for tests."""
    directory = path.parent
    temporary = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(temporary, flags, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            reference = owner_reference or (path if path.exists() else directory)
            keep_owner(handle.fileno(), reference)
            handle.write(payload)
            handle.flush()
            fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_directory(directory, fsync)


def _sync_directory(directory: Path, fsync: Callable[[int], None]) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fsync(fd)
    finally:
        os.close(fd)


__all__ = ["replace_file"]
