"""Where the privileged helper is and how the app runs it (through ``sudo``, on a device)."""

from __future__ import annotations

import os
from pathlib import Path

HELPER_PROGRAM = "/usr/local/sbin/otpb-helper"
HELPER_STAGE_DIR = Path("/run/otp-broker/stage")


def helper_argv() -> list[str] | None:
    """How the app runs the privileged helper: through sudo on a device, None elsewhere."""
    return ["sudo", "-n", HELPER_PROGRAM] if os.path.exists(HELPER_PROGRAM) else None


__all__ = ["HELPER_PROGRAM", "HELPER_STAGE_DIR", "helper_argv"]
