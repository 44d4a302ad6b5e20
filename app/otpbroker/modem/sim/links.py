"""Stable symlinks to a modem's current pty, like ``/dev/serial/by-id``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def point(link: Path, target: str) -> None:
    """Make ``link`` point at ``target`` atomically (temporary symlink, then rename)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target)
    tmp.replace(link)


def remove(link: Path) -> None:
    """Remove ``link`` if it exists."""
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
