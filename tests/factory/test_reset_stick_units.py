"""The udev rule and the systemd unit that run ``otp-broker reset-stick`` for a USB stick."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "packaging/deb/root"
UNIT = PACKAGE / "lib/systemd/system/otpb-reset-stick@.service"
RULES = PACKAGE / "lib/udev/rules.d/90-otp-broker-reset-stick.rules"
PROGRAM = "/opt/otp-broker/venv/bin/otp-broker"


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory):
    """A root with the host's systemd units, the template unit and a stand-in program."""
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is not installed (apt-get install systemd)")
    root = tmp_path_factory.mktemp("unit-root")
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    program = Path(str(root) + PROGRAM)
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return root


def verify(root: Path, text: str, instance: str = "sda1") -> subprocess.CompletedProcess[str]:
    (root / "etc/systemd/system" / UNIT.name).write_text(text)
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", f"otpb-reset-stick@{instance}.service"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("instance", ["sda1", "sdb"])
def test_unit_passes_systemd_analyze_verify(unit_root, instance) -> None:
    done = verify(unit_root, UNIT.read_text(), instance)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("Type=oneshot", "Tpye=oneshot"), "Unknown key 'Tpye'"),
        ((PROGRAM, "/opt/otp-broker/venv/bin/nothing"), "is not executable"),
        (("PrivateTmp=yes", "PrivateTmp=maybe"), "Failed to parse"),
    ],
)
def test_a_broken_unit_fails_the_check(unit_root, change, message) -> None:
    text = UNIT.read_text()
    assert change[0] in text
    done = verify(unit_root, text.replace(change[0], change[1], 1))
    assert message in done.stderr


def test_unit_runs_the_handler_for_its_device() -> None:
    text = UNIT.read_text()
    assert f"ExecStart={PROGRAM} --data-dir /var/lib/otp-broker reset-stick /dev/%I\n" in text
    assert "Type=oneshot" in text and "BindsTo=dev-%i.device" in text
    assert "User=" not in text  # root: it mounts the stick


def parse_rule(text: str) -> list[tuple[str, str, str]]:
    """(key, operator, value) of the one rule in ``text`` (comments skipped)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1, lines
    pairs = re.findall(
        r'\s*([A-Z_]+(?:\{[A-Za-z_]+\})?)\s*(==|!=|\+=|=)\s*"([^"]*)"\s*,?', lines[0]
    )
    rebuilt = ", ".join(f'{key}{op}"{value}"' for key, op, value in pairs)
    assert rebuilt == lines[0].strip(), "the rule holds something the parser did not read"
    return pairs


def rule_starts(device: dict[str, str]) -> list[str]:
    """Units the rule asks systemd to start for ``device`` (udev's glob matching)."""
    wants: list[str] = []
    for key, op, value in parse_rule(RULES.read_text()):
        if op in ("==", "!="):
            if key == "SUBSYSTEMS":
                actual = device["parents"].split()
                matched = any(fnmatch.fnmatchcase(item, value) for item in actual)
            else:
                name = key[4:-1] if key.startswith("ENV{") else key
                matched = fnmatch.fnmatchcase(device.get(name, ""), value)
            if matched != (op == "=="):
                return []
        elif key == "ENV{SYSTEMD_WANTS}":
            wants.append(value.replace("%k", device["KERNEL"]))
    return wants


USB_PARTITION = {"ACTION": "add", "SUBSYSTEM": "block", "KERNEL": "sda1", "ID_FS_TYPE": "vfat",
                 "parents": "scsi usb usb pci"}  # fmt: skip


@pytest.mark.parametrize(
    ("device", "wanted"),
    [
        (USB_PARTITION, ["otpb-reset-stick@sda1.service"]),
        ({**USB_PARTITION, "KERNEL": "sdb"}, ["otpb-reset-stick@sdb.service"]),  # no table
        ({**USB_PARTITION, "KERNEL": "sda", "ID_FS_TYPE": ""}, []),  # the disk of sda1
        ({**USB_PARTITION, "ACTION": "remove"}, []),
        ({**USB_PARTITION, "KERNEL": "mmcblk0p1", "parents": "mmc platform"}, []),  # SD card
        ({**USB_PARTITION, "SUBSYSTEM": "tty", "KERNEL": "ttyUSB0"}, []),
    ],
)
def test_rule_starts_the_unit_for_usb_file_systems_only(device, wanted) -> None:
    assert rule_starts(device) == wanted


def test_rule_tags_the_device_for_systemd() -> None:
    assert ("TAG", "+=", "systemd") in parse_rule(RULES.read_text())
