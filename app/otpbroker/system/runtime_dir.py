"""The runtime directory: a tmpfs kept across service restarts but not across a reboot.

``/run/otp-broker`` (systemd's ``RuntimeDirectory=``), or ``$OTP_BROKER_RUNTIME_DIR``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

RUNTIME_DIR_VARIABLE = "OTP_BROKER_RUNTIME_DIR"
DEFAULT_RUNTIME_DIR = "/run/otp-broker"
#: The longest parent for the private directories: haproxy takes Unix socket paths of at most
#: 97 bytes, and the directory's name plus a socket's name take up to 27 of them.
LONGEST_PARENT = 70


def runtime_directory() -> Path:
    """``$OTP_BROKER_RUNTIME_DIR``, else ``/run/otp-broker`` (it may not exist)."""
    return Path(os.environ.get(RUNTIME_DIR_VARIABLE) or DEFAULT_RUNTIME_DIR)


def private_directory(prefix: str) -> Path:
    """A new directory only this user can enter (0700), in the runtime directory when
    there is one, else in the temporary directory (``$TMPDIR``, else ``/tmp``); its name
    starts with ``prefix``.

    The name is short: haproxy takes Unix socket paths of at most 97 bytes, so a parent with
    a longer path than ``LONGEST_PARENT`` (a test's, say) is passed over."""
    for parent in (runtime_directory(), Path(tempfile.gettempdir()), Path("/tmp")):  # noqa: S108
        usable = parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)
        if usable and len(os.fsencode(parent)) <= LONGEST_PARENT:
            return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    raise OSError(f"no directory for private sockets: {runtime_directory()} and /tmp are unusable")


__all__ = ["DEFAULT_RUNTIME_DIR", "RUNTIME_DIR_VARIABLE", "private_directory", "runtime_directory"]
