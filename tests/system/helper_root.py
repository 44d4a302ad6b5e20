"""A temporary root for the privileged helper: fake systemctl and ppp control, real checks.

The fake systemctl records each call in ``<root>/systemctl.log`` and fails for a service
named in ``<root>/failing-services`` (one per line), to exercise the rollback. A stand-in
usb_modeswitch (:func:`fake_modeswitch`) records its arguments the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from helper_socket import SpawnedHelper

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "{root}/systemctl.log"
for service in $(cat "{root}/failing-services" 2>/dev/null); do
    if [ "$2" = "$service.service" ]; then
        echo "Job for $2 failed because the control process exited with error code." >&2
        exit 1
    fi
done
exit 0
"""
FAKE_PPPCTL = """#!/bin/sh
echo "$*" >> "{root}/pppctl.log"
"""
FAKE_MODESWITCH = """#!/bin/sh
echo "$*" >> "{root}/usb_modeswitch.log"
echo "Look for default devices ..."
echo " Found devices in default mode (1)"
{extra}
"""


class HelperRoot:
    """A test root with the helper's directories and the fake programs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stage = root / "run/otp-broker/stage"
        self.stage.mkdir(parents=True)
        for name, text in (("systemctl", FAKE_SYSTEMCTL), ("pppctl", FAKE_PPPCTL)):
            program = root / f"fake-{name}"
            program.write_text(text.format(root=root))
            program.chmod(0o755)
        self.env = {
            "OTPB_HELPER_ROOT": str(root),
            "OTPB_HELPER_SYSTEMCTL": str(root / "fake-systemctl"),
            "OTPB_HELPER_PPPCTL": str(root / "fake-pppctl"),
        }

    def transport(self) -> SpawnedHelper:
        """The real helper behind a socket, as the app reaches it on a device."""
        return SpawnedHelper(self.env)

    def path(self, absolute: str) -> Path:
        return Path(str(self.root) + absolute)

    def stage_file(self, target: str, text: str) -> None:
        (self.stage / target).write_text(text)

    def install(self, absolute: str, text: str) -> Path:
        path = self.path(absolute)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args: str) -> tuple[int, dict]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env}
        done = subprocess.run([sys.executable, "-m", "otpbroker.privileged", *args],
                              capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip
        assert done.stderr == "", done.stderr
        return done.returncode, json.loads(done.stdout)

    def ok(self, *args: str) -> dict:
        code, result = self.run(*args)
        assert code == 0 and "error" not in result, result
        return result

    def error(self, *args: str) -> str:
        code, result = self.run(*args)
        assert code == 1 and set(result) == {"error"}, result
        return result["error"]

    def systemctl_calls(self) -> list[str]:
        log = self.root / "systemctl.log"
        return log.read_text().splitlines() if log.exists() else []

    def fail_service(self, *names: str) -> None:
        (self.root / "failing-services").write_text("".join(f"{n}\n" for n in names))

    def wait_pending_cleared(self, limit: float = 60.0) -> None:
        """Poll until the helper reports no pending change."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.ok("pending") == {}:
                return
            time.sleep(0.2)
        raise AssertionError("the pending change was not reverted by itself")


def fake_modeswitch(helper: HelperRoot, extra: str = "exit 0") -> Path:
    """A stand-in usb_modeswitch for ``helper`` that records its arguments, then ``extra``."""
    program = helper.root / "fake-usb_modeswitch"
    program.write_text(FAKE_MODESWITCH.format(root=helper.root, extra=extra))
    program.chmod(0o755)
    helper.env["OTPB_HELPER_USB_MODESWITCH"] = str(program)
    return program


def modeswitch_calls(helper: HelperRoot) -> list[str]:
    """The arguments of every run of the stand-in usb_modeswitch, in order."""
    log = helper.root / "usb_modeswitch.log"
    return log.read_text().splitlines() if log.exists() else []
