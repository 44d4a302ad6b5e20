"""Where the privileged helper is and how the app reaches it (its socket, on a device)."""

from __future__ import annotations

import os
from pathlib import Path

from otpbroker.system.helper_transports import ProgramTransport, SocketTransport

HELPER_PROGRAM = "/usr/sbin/otpb-helper"
HELPER_SOCKET = Path("/run/otpb-helper.sock")
HELPER_STAGE_DIR = Path("/run/otp-broker/stage")


def helper_transport() -> SocketTransport | None:
    """The helper's activation socket on a device (the program is installed), None elsewhere."""
    return SocketTransport(HELPER_SOCKET) if os.path.exists(HELPER_PROGRAM) else None


def root_helper_transport() -> ProgramTransport | None:
    """The helper program run directly (the caller is root); None off a device."""
    return ProgramTransport([HELPER_PROGRAM]) if os.path.exists(HELPER_PROGRAM) else None


__all__ = [
    "HELPER_PROGRAM",
    "HELPER_SOCKET",
    "HELPER_STAGE_DIR",
    "helper_transport",
    "root_helper_transport",
]
