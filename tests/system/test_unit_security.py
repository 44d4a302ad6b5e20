"""``systemd-analyze security`` of the app's unit: "OK" or better, and a control (the unit as it
was while the app still called sudo: file-system isolation only) that scores worse."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).parents[2] / "packaging/deb/root/lib/systemd/system/otp-broker.service"
ACCEPTED_LEVELS = ("OK", "SAFE")
OVERALL = re.compile(r"Overall exposure level for \S+: (\d+\.\d) (\S+)")
# Options that came with the sandbox; without them the unit is the one that ran sudo.
SANDBOX_ONLY = (
    "NoNewPrivileges", "CapabilityBoundingSet", "RestrictSUIDSGID", "PrivateIPC", "RemoveIPC",
    "PrivateMounts", "DevicePolicy", "DeviceAllow", "ProtectKernelTunables",
    "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock", "ProtectHostname",
    "ProtectProc", "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime",
    "LockPersonality", "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber",
)  # fmt: skip


def exposure(unit: Path) -> tuple[float, str]:
    """The overall exposure and its level, as systemd-analyze rates the unit file offline."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is not installed (apt-get install systemd)")
    done = subprocess.run([analyze, "security", "--offline=true", "--no-pager", str(unit)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    found = OVERALL.search(done.stdout)
    assert found, done.stdout[-500:] + done.stderr
    print(found.group(0))
    return float(found.group(1)), found.group(2)


def test_app_unit_is_rated_ok_or_better():
    score, level = exposure(UNIT)
    assert level in ACCEPTED_LEVELS, (score, level)


def test_the_unit_that_ran_sudo_is_rated_worse(tmp_path):
    lines = [line for line in UNIT.read_text().splitlines()
             if line.split("=", 1)[0] not in SANDBOX_ONLY]  # fmt: skip
    before = tmp_path / "otp-broker.service"
    before.write_text("\n".join([*lines, "[Service]", "ReadWritePaths=/etc", ""]))
    score, level = exposure(before)
    assert level not in ACCEPTED_LEVELS, (score, level)
    assert score > exposure(UNIT)[0]
