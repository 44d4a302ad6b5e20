"""Mounting a USB stick read-only (``mount -t vfat -o ro,nosuid,nodev,noexec``) into a
private temporary folder, and unmounting it afterwards whatever happens."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

MOUNT_OPTIONS = "ro,nosuid,nodev,noexec,shortname=mixed"
DEVICE = re.compile(r"/dev/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TIMEOUT = 30


class MountError(RuntimeError):
    """The stick could not be mounted (not a block device, not FAT, ...)."""


def _tool(name: str) -> str:
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise MountError(f"the {name} command is not installed")
    return found


def check_device(device: str) -> str:
    """``device`` when it is a block device under /dev (MountError otherwise)."""
    if not DEVICE.fullmatch(device):
        raise MountError(f"not a device path under /dev: {device!r}")
    try:
        mode = os.stat(device).st_mode
    except OSError as exc:
        raise MountError(f"{device}: {exc.strerror}") from None
    if not stat.S_ISBLK(mode):
        raise MountError(f"{device} is not a block device")
    return device


@contextlib.contextmanager
def mount_readonly(device: str) -> Iterator[Path]:
    """Mount ``device`` (FAT) read-only in a private folder; yields the folder."""
    check_device(device)
    target = Path(tempfile.mkdtemp(prefix="otpb-stick-"))  # mode 0700
    try:
        result = subprocess.run(  # fixed binary, list arguments
            [_tool("mount"), "-t", "vfat", "-o", MOUNT_OPTIONS, "--", device, str(target)],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise MountError(f"cannot mount {device}: {result.stderr.strip() or 'mount failed'}")
        try:
            yield target
        finally:
            done = subprocess.run(
                [_tool("umount"), "--", str(target)],
                capture_output=True, text=True, timeout=TIMEOUT, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                log.error("cannot unmount %s: %s", device, done.stderr.strip())
    finally:
        with contextlib.suppress(OSError):
            target.rmdir()
