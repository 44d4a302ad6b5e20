"""Where the helper reads and writes, and which programs it runs: fixed, unless testing.

In production everything is a constant. Tests set ``OTPB_HELPER_ROOT`` (prefixed to every
absolute path), ``OTPB_HELPER_SYSTEMCTL`` (a stand-in for systemctl) and
``OTPB_HELPER_PPPCTL`` (a stand-in for starting/stopping pppd, called as
``PROG up|down NAME``) and ``OTPB_HELPER_USB_MODESWITCH`` (another usb_modeswitch). On a
device the helper's environment is its unit's (``otpb-helper@.service`` sets none of them) and
a request over the socket carries only the command line, and the shebang's ``python -I``
ignores ``PYTHON*`` variables, so the app cannot redirect the helper.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT_VARIABLE = "OTPB_HELPER_ROOT"
SYSTEMCTL_VARIABLE = "OTPB_HELPER_SYSTEMCTL"
PPPCTL_VARIABLE = "OTPB_HELPER_PPPCTL"
USB_MODESWITCH_VARIABLE = "OTPB_HELPER_USB_MODESWITCH"

HELPER_PROGRAM = "/usr/sbin/otpb-helper"
SYSTEMCTL = "/usr/bin/systemctl"
SYSTEMD_RUN = "/usr/bin/systemd-run"
PPPD = "/usr/sbin/pppd"
USB_MODESWITCH = "/usr/sbin/usb_modeswitch"
STAGE_DIR = "/run/otp-broker/stage"
STATE_DIR = "/var/lib/otp-broker/helper"
TOOL_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class HelperEnvironment:
    """Paths and programs of one helper run."""

    root: str = ""
    systemctl: str = SYSTEMCTL
    pppctl: str = ""
    usb_modeswitch: str = USB_MODESWITCH

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HelperEnvironment:
        """Production constants, or the test overrides found in ``environ``."""
        root = environ.get(ROOT_VARIABLE, "")
        if root and not os.path.isabs(root):
            raise ValueError(f"{ROOT_VARIABLE} must be an absolute path, got {root!r}")
        if root and not environ.get(SYSTEMCTL_VARIABLE):
            raise ValueError(f"{ROOT_VARIABLE} needs {SYSTEMCTL_VARIABLE} (a stand-in systemctl)")
        return cls(
            root=root.rstrip("/"),
            systemctl=environ.get(SYSTEMCTL_VARIABLE, "") or SYSTEMCTL,
            pppctl=environ.get(PPPCTL_VARIABLE, ""),
            usb_modeswitch=(environ.get(USB_MODESWITCH_VARIABLE, "") if root else "")
            or USB_MODESWITCH,
        )

    @property
    def testing(self) -> bool:
        """True under a test root: revert timers are plain background processes."""
        return bool(self.root)

    def path(self, absolute: str) -> Path:
        """``absolute`` under the test root (unchanged in production)."""
        return Path(self.root + absolute)

    @property
    def stage_dir(self) -> Path:
        return self.path(STAGE_DIR)

    @property
    def state_dir(self) -> Path:
        return self.path(STATE_DIR)

    def helper_command(self) -> list[str]:
        """How to run this helper again (for the revert timer)."""
        if self.testing:
            return [sys.executable, "-m", "otpbroker.privileged"]
        return [HELPER_PROGRAM]

    def tool_environ(self) -> dict[str, str]:
        """A minimal environment for the programs the helper runs."""
        keep = {"PATH": TOOL_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        if self.testing:  # the background revert must find the same test root
            keep[ROOT_VARIABLE] = self.root
            keep[SYSTEMCTL_VARIABLE] = self.systemctl
            if self.pppctl:
                keep[PPPCTL_VARIABLE] = self.pppctl
            pythonpath = os.environ.get("PYTHONPATH")
            if pythonpath:
                keep["PYTHONPATH"] = pythonpath
        return keep
