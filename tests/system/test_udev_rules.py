"""The udev rule that keeps ModemManager away from the modems: strict syntax, right effect.

udev 252 (Debian bookworm) has no ``udevadm verify``; where a newer udevadm is installed the
rule is checked with it too. Otherwise a strict parser following udev(7) checks every line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RULE = ROOT / "packaging/deb/root/lib/udev/rules.d/76-otp-broker-modemmanager-ignore.rules"
MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TAGS", "TEST", "PROGRAM", "RESULT", "CONST"}  # fmt: skip
EITHER = {"ENV", "ATTR", "NAME", "SYMLINK", "TAG"}
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
WITH_ATTRIBUTE = {"ENV", "ATTR", "ATTRS", "TEST", "RUN", "IMPORT", "CONST"}
TOKEN = re.compile(r'\s*([A-Z]+)(?:\{([A-Za-z0-9_.*/-]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*')


def parse_rule(line: str) -> list[tuple[str, str, str, str]]:
    """``[(key, attribute, operator, value)]`` of one rule line; ValueError when malformed."""
    tokens: list[tuple[str, str, str, str]] = []
    position = 0
    while True:
        found = TOKEN.match(line, position)
        if found is None:
            raise ValueError(f"malformed at column {position + 1}: {line[position:]!r}")
        key, attribute, operator, value = found.groups()
        if key not in MATCH_ONLY | EITHER | ASSIGN_ONLY:
            raise ValueError(f"unknown key {key}")
        if (attribute is not None) != (key in WITH_ATTRIBUTE):
            raise ValueError(f"{key} {'needs' if attribute is None else 'takes no'} {{attribute}}")
        is_match = operator in ("==", "!=")
        if key in MATCH_ONLY and not is_match:
            raise ValueError(f"{key} can only be matched (== or !=), not assigned with {operator}")
        if key in ASSIGN_ONLY and is_match:
            raise ValueError(f"{key} can only be assigned")
        tokens.append((key, attribute or "", operator, value))
        position = found.end()
        if position == len(line):
            break
        if line[position] != ",":
            raise ValueError(f"expected ',' at column {position + 1}")
        position += 1
        if not line[position:].strip():
            raise ValueError("trailing comma")
    if not any(op in ("==", "!=") for _, _, op, _ in tokens):
        raise ValueError("a rule without a match applies to every device")
    if not any(op not in ("==", "!=") for _, _, op, _ in tokens):
        raise ValueError("a rule without an assignment does nothing")
    return tokens


def rules(text: str) -> list[list[tuple[str, str, str, str]]]:
    """Every rule of a file (comments and blank lines skipped, no continuation lines)."""
    parsed = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            raise ValueError(f"line {number}: continuation lines are not used here")
        try:
            parsed.append(parse_rule(line))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    return parsed


def test_every_line_is_valid_udev_syntax():
    parsed = rules(RULE.read_text())
    assert len(parsed) == 2


def test_usb_serial_ports_and_their_usb_device_are_ignored_by_modemmanager():
    tty, usb = (
        {(key, attr, op): value for key, attr, op, value in rule}
        for rule in rules(RULE.read_text())
    )
    assert tty[("SUBSYSTEM", "", "==")] == "tty" and tty[("SUBSYSTEMS", "", "==")] == "usb"
    assert set(tty[("ACTION", "", "==")].split("|")) == {"add", "change"}
    assert tty[("ENV", "ID_MM_DEVICE_IGNORE", "=")] == "1"
    assert usb[("SUBSYSTEM", "", "==")] == "usb" and usb[("ENV", "DEVTYPE", "==")] == "usb_device"
    assert usb[("ENV", "ID_MM_DEVICE_IGNORE", "=")] == "1"


def test_runs_before_modemmanagers_own_rules():
    assert RULE.name < "77-mm-" and RULE.suffix == ".rules"


def test_the_image_does_not_install_modemmanager():
    for listing in (ROOT / "image/stages/10-base").glob("packages-*"):
        names = {line.split("#")[0].strip().lower() for line in listing.read_text().splitlines()}
        assert "modemmanager" not in names, listing


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('ACTION="add", ENV{ID_MM_DEVICE_IGNORE}="1"', "ACTION can only be matched"),
        ('SUBSYSTEM=="tty", ENV{ID_MM_DEVICE_IGNORE}=1', "malformed"),
        ('SUBSYSTEM=="tty", ENV{ID_MM_DEVICE_IGNORE}="1",', "trailing comma"),
        ('SUBSYSTEM=="tty" ENV{ID_MM_DEVICE_IGNORE}="1"', "expected ','"),
        ('SUBSYSTEM=="tty", ENV{ID_MM_DEVICE_IGNORE}=="1"', "without an assignment"),
        ('ENV{ID_MM_DEVICE_IGNORE}="1"', "without a match"),
        ('SUBSYSTEM=="tty", ENV="1"', "ENV needs {attribute}"),
        ('SUBSYSTEM=="tty", ENVIRON{X}="1"', "unknown key ENVIRON"),
    ],
)
def test_the_parser_refuses_what_udev_refuses(line, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        parse_rule(line)


def test_udevadm_verify_when_available():
    udevadm = shutil.which("udevadm")
    if udevadm is None:
        pytest.skip("udevadm is not installed here")
    help_text = subprocess.run([udevadm, "--help"], capture_output=True, text=True).stdout
    if "verify" not in help_text:
        pytest.skip("this udevadm has no verify (udev < 254)")
    done = subprocess.run([udevadm, "verify", "--resolve-names=never", str(RULE)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
