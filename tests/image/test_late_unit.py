"""image/lib/late-unit.sh: a vendor unit moved out of the early boot (overlay stage)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "image" / "lib" / "late-unit.sh"

# Shaped like Debian bookworm's systemd-resolved.service.
RESOLVED = """[Unit]
Description=Network Name Resolution
DefaultDependencies=no
After=systemd-sysctl.service systemd-sysusers.service
Before=sysinit.target network.target nss-lookup.target shutdown.target initrd-switch-root.target
Conflicts=shutdown.target initrd-switch-root.target
Wants=nss-lookup.target

[Service]
ExecStart=!!/lib/systemd/systemd-resolved
Type=notify

[Install]
WantedBy=sysinit.target
Alias=dbus-org.freedesktop.resolve1.service
"""


def late_unit(tmp_path: Path, text: str, *targets: str) -> subprocess.CompletedProcess:
    unit = tmp_path / "vendor.service"
    unit.write_text(text)
    return subprocess.run(
        [str(SCRIPT), str(unit), *targets], capture_output=True, text=True, check=False
    )


def test_the_named_targets_are_left_and_multi_user_wants_it(tmp_path: Path) -> None:
    done = late_unit(tmp_path, RESOLVED, "sysinit.target", "network.target")
    assert done.returncode == 0, done.stderr
    edited = done.stdout.splitlines()
    assert "Before=nss-lookup.target shutdown.target initrd-switch-root.target" in edited
    assert "WantedBy=multi-user.target" in edited
    assert not any("sysinit.target" in line or "network.target" in line for line in edited)
    # everything else is the vendor's, line for line
    vendor = RESOLVED.splitlines()
    unchanged = [line for line in vendor if not line.startswith(("Before=", "WantedBy="))]
    assert [line for line in edited if not line.startswith(("Before=", "WantedBy="))] == unchanged


def test_a_before_line_left_empty_is_dropped_and_wanted_by_is_not_doubled(tmp_path: Path) -> None:
    text = "[Unit]\nBefore=sysinit.target\n[Install]\nWantedBy=sysinit.target multi-user.target\n"
    done = late_unit(tmp_path, text, "sysinit.target")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[Unit]\n[Install]\nWantedBy=multi-user.target\n"


def test_a_unit_without_install_section_is_refused(tmp_path: Path) -> None:
    done = late_unit(tmp_path, "[Unit]\nBefore=sysinit.target\n[Service]\nExecStart=/bin/true\n",
                     "sysinit.target")  # fmt: skip
    assert done.returncode == 1
    assert "has no [Install] WantedBy= to move" in done.stderr
    assert done.stdout == ""


def test_usage_and_missing_file(tmp_path: Path) -> None:
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage" in done.stderr
    missing = subprocess.run([str(SCRIPT), str(tmp_path / "nope.service"), "sysinit.target"],
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert missing.returncode == 1 and "no such unit file" in missing.stderr
