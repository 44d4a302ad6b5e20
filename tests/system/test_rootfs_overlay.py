"""The package's and the image overlay's files of the privileged helper: its socket and service
units, the helper script and the systemd units (systemd-analyze verify in a temporary root
holding the referenced programs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helper_root import HelperRoot

from otpbroker.system.helper_program import HELPER_SOCKET

OVERLAY = Path(__file__).parents[2] / "rootfs-overlay"
PACKAGE = Path(__file__).parents[2] / "packaging/deb/root"
HELPER = PACKAGE / "usr/sbin/otpb-helper"
UNITS = (
    "otp-broker.service",
    "otpb-helper.socket",
    "otpb-helper@.service",
    "otpb-revert-pending.service",
    "otp-broker-secrets.service",
    "otp-broker-firstboot.service",
)
PROGRAMS = (
    "/usr/sbin/otpb-helper",
    "/opt/otp-broker/venv/bin/otp-broker",
    "/usr/local/sbin/otp-broker-firstboot",
)


def unit_path(name: str) -> Path:
    """A unit (or drop-in folder) of the package, or else of the image's overlay."""
    packaged = PACKAGE / "lib/systemd/system" / name
    return packaged if packaged.exists() else OVERLAY / "etc/systemd/system" / name


def test_no_sudo_any_more():
    """The app reaches root through the helper's socket only: no sudoers file, no sudo call."""
    assert not (OVERLAY / "etc/sudoers.d").exists()
    app = Path(__file__).parents[2] / "app/otpbroker"
    callers = [path.name for path in app.rglob("*.py") if '"sudo"' in path.read_text()]
    assert callers == []


def test_helper_script_has_the_isolated_venv_shebang_and_runs(tmp_path):
    lines = HELPER.read_text().splitlines()
    assert lines[0] == "#!/opt/otp-broker/venv/bin/python -I"
    assert HELPER.stat().st_mode & 0o111 == 0o111
    root = HelperRoot(tmp_path / "root")
    env = {"PATH": os.environ["PATH"], **root.env}
    done = subprocess.run([sys.executable, "-I", str(HELPER), "pending"], capture_output=True,
                          text=True, env=env, check=False)  # fmt: skip
    assert (done.returncode, json.loads(done.stdout)) == (0, {})
    done = subprocess.run([sys.executable, "-I", str(HELPER), "apply", "nope"],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert done.returncode == 1 and "unknown target" in json.loads(done.stdout)["error"]


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory):
    """A root with the host's systemd units, the overlay's units and stand-in programs."""
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is not installed (apt-get install systemd)")
    root = tmp_path_factory.mktemp("unit-root")
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit_path(unit), root / "etc/systemd/system" / unit)
    shutil.copytree(unit_path("otp-broker.service.d"),
                    root / "etc/systemd/system/otp-broker.service.d")  # fmt: skip
    for program in PROGRAMS:
        path = Path(str(root) + program)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return root


def verify(root: Path, unit: str) -> subprocess.CompletedProcess:
    """systemd-analyze verify of one unit (a template through an instance's name)."""
    name = unit.replace("@.", "@check.")
    target = name if name != unit else f"/etc/systemd/system/{unit}"
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", target],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("unit", UNITS)
def test_units_pass_systemd_analyze_verify(unit_root, unit):
    done = verify(unit_root, unit)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr


@pytest.mark.parametrize(
    "change, message",
    [
        (("ProtectHome=yes", "ProtectHome=bogus"), "Failed to parse protect home value"),
        (("Type=", "Tpye="), "Unknown key 'Tpye'"),
    ],
)
def test_a_broken_unit_fails_the_check(unit_root, change, message):
    unit = unit_root / "etc/systemd/system/broken.service"
    text = unit_path("otp-broker.service").read_text()
    assert change[0] in text
    unit.write_text(text.replace(change[0], change[1], 1))
    assert message in verify(unit_root, "broken.service").stderr


def test_a_missing_program_fails_the_check(unit_root):
    unit = unit_root / "etc/systemd/system/missing.service"
    text = unit_path("otpb-revert-pending.service").read_text()
    unit.write_text(text.replace("/usr/sbin/otpb-helper", "/usr/local/sbin/otpb-nothing"))
    done = verify(unit_root, "missing.service")
    assert done.returncode != 0 and "is not executable" in done.stderr


def _settings(unit: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of an overlay unit, values in order."""
    found: dict[str, list[str]] = {}
    for line in unit_path(unit).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_app_unit_is_sandboxed_and_writes_only_its_own_directories():
    settings = _settings("otp-broker.service")
    for key, value in (("User", "otpbroker"), ("NoNewPrivileges", "yes"),
                       ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("ProtectHome", "yes"), ("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"),
                       ("SystemCallFilter", "@system-service"), ("DevicePolicy", "closed"),
                       ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK")):  # fmt: skip
        assert settings.get(key) == [value], key
    assert "ReadWritePaths" not in settings  # StateDirectory and RuntimeDirectory only
    assert settings["DeviceAllow"] == ["char-ttyUSB rw", "char-ttyACM rw", "char-ttyAMA rw"]
    assert "PrivateDevices" not in settings  # it would hide the modems
    # the classes are resolved when the unit starts: the serial drivers are loaded before
    modules = (PACKAGE / "usr/lib/modules-load.d/otp-broker.conf").read_text().split("\n")
    assert {"usbserial", "cdc_acm"} <= set(modules)
    assert "systemd-modules-load.service" in _unit_lines("otp-broker.service", "After").split()


def test_helper_socket_is_the_one_the_app_connects_to():
    socket_unit = _settings("otpb-helper.socket")
    assert socket_unit["ListenStream"] == [str(HELPER_SOCKET)]
    assert (socket_unit["Accept"], socket_unit["SocketMode"]) == (["yes"], ["0660"])
    assert (socket_unit["SocketUser"], socket_unit["SocketGroup"]) == (["root"], ["otpbroker"])
    service = _settings("otpb-helper@.service")
    assert service["ExecStart"] == ["/usr/sbin/otpb-helper --connection"]
    assert (service["StandardInput"], service["StandardOutput"]) == (["socket"], ["socket"])
    assert "User" not in service  # root
    # The helper's environment is the unit's: nothing may pass the test-only variables.
    assert not {"Environment", "EnvironmentFile", "PassEnvironment"} & set(service)
    assert _unit_lines("otpb-helper.socket", "WantedBy") == "sockets.target"


def test_revert_unit_runs_before_the_network_services():
    text = unit_path("otpb-revert-pending.service").read_text()
    assert "ExecStart=/usr/sbin/otpb-helper revert --no-restart" in text
    before = " ".join(line for line in text.splitlines() if line.startswith("Before="))
    for service in ("nftables", "systemd-networkd", "hostapd", "dnsmasq", "otp-broker"):
        assert f"{service}.service" in before


def _unit_lines(unit: str, key: str) -> str:
    """All values of ``key`` in an overlay unit and its drop-ins, space-joined."""
    paths = [unit_path(unit)]
    paths += sorted(unit_path(f"{unit}.d").glob("*.conf"))
    return " ".join(line.split("=", 1)[1] for path in paths
                    for line in path.read_text().splitlines() if line.startswith(f"{key}="))  # fmt: skip


def test_app_waits_for_the_device_secrets_only():
    """The API is up while the first boot still draws the brochure and installs the network;
    and a device without an Ethernet cable does not wait for network-online's time-out."""
    after = _unit_lines("otp-broker.service", "After").split()
    assert "otp-broker-secrets.service" in after
    assert "otp-broker-firstboot.service" not in after
    assert "network-online.target" not in after + _unit_lines("otp-broker.service", "Wants").split()
    # firewall before listeners, but no wait for networkd (network.target)
    assert "nftables.service" in after and "network.target" not in after


def test_app_and_its_secrets_come_first_while_the_system_starts():
    for unit in ("otp-broker.service", "otp-broker-secrets.service"):
        assert _unit_lines(unit, "StartupCPUWeight") == "1000", unit
        assert _unit_lines(unit, "CPUWeight") == "", f"{unit}: only while booting"
    assert "otp-broker.service" in _unit_lines("otp-broker-secrets.service", "Before").split()


def test_first_boot_needs_the_secrets_and_both_run_once():
    assert "otp-broker-secrets.service" in _unit_lines("otp-broker-firstboot.service", "Requires")
    assert "otp-broker-secrets.service" in _unit_lines("otp-broker-firstboot.service", "After")
    marker = "!/var/lib/otp-broker/.first-boot-done"
    for unit in ("otp-broker-secrets.service", "otp-broker-firstboot.service"):
        assert _unit_lines(unit, "ConditionPathExists") == marker
    secrets = unit_path("otp-broker-secrets.service").read_text()
    assert "User=otpbroker" in secrets and " factory-init --no-tls\n" in secrets
    script = (OVERLAY / "usr/local/sbin/otp-broker-firstboot").read_text()
    # the TLS pair the early unit leaves out, made as the app's user after the API is up
    assert 'runuser -u otpbroker -- otp-broker --data-dir "$data_dir" factory-init\n' in script
    assert "\ncreate_tls_pair\n" in script
    assert "data_dir=/var/lib/otp-broker\n" in script
    assert 'marker="$data_dir/.first-boot-done"' in script


def test_app_reports_ready_and_the_rest_of_the_first_boot_waits_for_it():
    text = unit_path("otp-broker.service").read_text()
    assert "\nType=notify\n" in text and "\nNotifyAccess=main\n" in text
    assert "otp-broker.service" in _unit_lines("otp-broker-firstboot.service", "After").split()


def test_revert_at_boot_runs_only_with_a_pending_change():
    from otpbroker.privileged import environment, state

    pending = f"{environment.STATE_DIR}/{state.PENDING_FILE}"
    assert _unit_lines("otpb-revert-pending.service", "ConditionPathExists") == pending


def test_app_unit_keeps_its_runtime_directory_across_restarts_only():
    """The redelivery key lives on tmpfs in /run/otp-broker: kept when the service restarts
    (a crash), gone after a reboot; never on the flash."""
    text = unit_path("otp-broker.service").read_text()
    lines = text.splitlines()
    assert "RuntimeDirectory=otp-broker" in lines and "RuntimeDirectoryPreserve=yes" in lines
