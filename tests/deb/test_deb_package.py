"""The Debian package (scripts/build-deb.sh), installed in a clean bookworm amd64 root.

Builds the amd64 package twice (this version, and one numbered before it for the upgrade),
then in overlays of a cached mmdebstrap root: install, the units verified by systemd,
``otp-broker serve`` answering on an emulated modem (loopback of its own network namespace),
upgrade, remove (data kept), purge (data gone); an unsupported release or architecture
refused before anything changes; a failed first-boot step leaving the package configured and
the service not started; the owner's hostapd, dnsmasq and haproxy left as they were, and the
ones the package pulled in kept for OTP Broker.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from deb_root import REPO, Scratch, clean_root

pytestmark = [
    pytest.mark.deb,
    # A fresh machine builds the venv and the mmdebstrap root first (module fixtures, each
    # a few minutes; cached afterwards), which counts towards the first test's time-out.
    pytest.mark.timeout(2400),
    pytest.mark.skipif(os.geteuid() != 0, reason="mmdebstrap, chroot and overlays need root"),
]
VERSION = re.search(r'__version__ = "(.*)"', (REPO / "app/otpbroker/__init__.py").read_text())
CURRENT = VERSION.group(1) if VERSION else ""
PREVIOUS = f"{CURRENT}~prev1"  # sorts before CURRENT for dpkg
DATA = "/var/lib/otp-broker"
UNITS = (
    "otp-broker.service",
    "otp-broker-secrets.service",
    "otpb-helper.socket",
    "otpb-helper@check.service",
    "otpb-revert-pending.service",
    "otpb-reset-stick@check.service",
    "hostapd.service",  # with the package's drop-ins
    "dnsmasq.service",
)
SERVICES = ("hostapd.service", "dnsmasq.service", "haproxy.service")
GATE = "/usr/libexec/otp-broker/ap-interface-ready --service dnsmasq /etc/dnsmasq.d/otp-broker.conf"
# dpkg's record of hostapd, dnsmasq and haproxy as apt leaves them while it installs them with
# the package: unpacked, never configured (apt configures them before the package).
AS_IF_PULLED_IN = """
python3 - <<'PY'
import re
path = "/var/lib/dpkg/status"
stanzas = open(path).read().split("\\n\\n")
for number, stanza in enumerate(stanzas):
    if re.search(r"^Package: (hostapd|dnsmasq|haproxy)$", stanza, re.M):
        stanza = stanza.replace("Status: install ok installed", "Status: install ok unpacked")
        stanzas[number] = re.sub(r"^Config-Version: .*\\n?", "", stanza, flags=re.M)
open(path, "w").write("\\n\\n".join(stanzas))
PY
"""


def enablement(scratch: Scratch) -> list[str]:
    """``systemctl is-enabled`` of hostapd, dnsmasq and haproxy (offline, in the root)."""
    return scratch.run("systemctl is-enabled " + " ".join(SERVICES)).stdout.split()


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the package of this version (scripts/build-deb.sh) and the same package
    numbered as a previous version (its control file's Version changed, repacked)."""
    folder = tmp_path_factory.mktemp("debs")
    done = subprocess.run(
        ["bash", str(REPO / "scripts/build-deb.sh"), "--arch", "amd64", "--out", str(folder)],
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    tree = tmp_path_factory.mktemp("previous")
    subprocess.run(["dpkg-deb", "-R", str(folder / f"otp-broker_{CURRENT}_amd64.deb"), str(tree)],
                   check=True, timeout=300)  # fmt: skip
    control = tree / "DEBIAN/control"
    control.write_text(
        control.read_text().replace(f"Version: {CURRENT}\n", f"Version: {PREVIOUS}\n")
    )
    previous = folder / f"otp-broker_{PREVIOUS}_amd64.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", str(tree), str(previous)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def lower() -> Path:
    return clean_root()


@pytest.fixture
def scratch(lower: Path, debs: Path, tmp_path: Path) -> Scratch:
    return Scratch(lower, tmp_path / "overlay", debs)


def install(scratch: Scratch, version: str) -> subprocess.CompletedProcess[str]:
    return scratch.run(
        f"apt-get install -y --no-install-recommends /mnt/otp-broker_{version}_amd64.deb"
    )


def serve_and_ask(scratch: Scratch) -> dict[str, object]:
    """Start an emulated modem and ``serve`` as the service's user; /health/ready's answer."""
    script = f"""
run() {{ runuser -u otpbroker -- /opt/otp-broker/venv/bin/otp-broker "$@"; }}
mkdir -p /tmp/links && chown otpbroker /tmp/links
run modem-sim --profile generic --count 1 --seed 1 --link-dir /tmp/links > /tmp/modems.txt &
python3 - <<'PY'
import json, time, urllib.request, urllib.error, subprocess, sys
def wait(check, seconds=180):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    sys.exit("timed out")
imei = wait(lambda: open("/tmp/modems.txt").read().split()[1:2])[0]
subprocess.Popen(["runuser", "-u", "otpbroker", "--", "/opt/otp-broker/venv/bin/otp-broker",
                  "--data-dir", "{DATA}", "serve", "--host", "127.0.0.1", "--http-port", "8888",
                  "--modem", "/tmp/links/" + imei], stdout=sys.stderr, stderr=sys.stderr)
def ready():
    try:
        with urllib.request.urlopen("http://127.0.0.1:8888/health/ready", timeout=5) as answer:
            return answer.read().decode()
    except (OSError, urllib.error.URLError):
        return None
print(wait(ready))
PY
"""
    text = scratch.out(script, timeout=600)
    return json.loads(text.strip().splitlines()[-1])


def test_install_serve_upgrade_remove_purge(scratch: Scratch, lower: Path) -> None:
    before = enablement(scratch)
    assert before[1] == "enabled"  # the owner's dnsmasq
    done = install(scratch, PREVIOUS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert scratch.status() == f"install ok installed {PREVIOUS}"
    # the account, its data directory and the device's secrets (first-boot work on install)
    assert "dialout" in scratch.out("id -nG otpbroker").split()
    assert scratch.out(f"stat -c '%U %a' {DATA}").split() == ["otpbroker", "750"]
    secrets = scratch.digests(DATA)
    assert {"./.first-boot-done", "./factory/printable.json", "./tls/key.pem"} <= set(secrets)
    # units enabled; the machine's network left alone (no AP, DHCP or firewall settings)
    wants = scratch.out("ls /etc/systemd/system/multi-user.target.wants").split()
    assert {"otp-broker.service", "otp-broker-secrets.service"} <= set(wants)
    assert "otpb-helper.socket" in scratch.out("ls /etc/systemd/system/sockets.target.wants")
    assert "nftables.service" not in scratch.out("ls -R /etc/systemd/system")
    for folder in ("etc/systemd/network", "etc/dnsmasq.d", "etc/hostapd"):
        assert scratch.out(f"ls -A /{folder}").split() == sorted(os.listdir(lower / folder))
    assert scratch.out("cat /etc/nftables.conf") == (lower / "etc/nftables.conf").read_text()
    # the owner's hostapd, dnsmasq and haproxy (installed before): as they were; the dnsmasq
    # drop-in's gate lets the owner's dnsmasq start without OTP Broker's access point
    assert enablement(scratch) == before
    assert scratch.run(GATE).returncode == 0
    assert scratch.run("ls /var/lib/otp-broker-setup").stdout.split() == []

    verified = scratch.run("systemd-analyze verify --man=no " + " ".join(UNITS))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the privileged helper runs on the venv's Python (its shebang) and answers
    assert json.loads(scratch.out("/usr/sbin/otpb-helper pending")) == {}

    done = install(scratch, CURRENT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert scratch.status() == f"install ok installed {CURRENT}"
    after = scratch.digests(DATA)
    assert {name: after.get(name) for name in secrets} == secrets  # kept as they were

    answer = serve_and_ask(scratch)
    assert (answer["command"], answer["response_code"]) == ("health-ready", "0000")
    assert answer["data"]["status"] == "ready"  # type: ignore[index]

    kept = scratch.digests(DATA)
    done = scratch.run("apt-get remove -y otp-broker")
    assert done.returncode == 0, done.stdout + done.stderr
    assert scratch.status() == f"deinstall ok config-files {CURRENT}"
    assert scratch.digests(DATA) == kept
    assert scratch.run("test -e /opt/otp-broker").returncode == 1
    assert scratch.run("test -e /usr/bin/otp-broker").returncode == 1

    done = scratch.run("dpkg --purge otp-broker")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not-installed" in scratch.status()
    assert scratch.run(f"test -e {DATA}").returncode == 1
    assert "otp" not in scratch.out("ls -R /etc/systemd/system")  # no enablement or mask left
    assert scratch.run("test -e /var/lib/otp-broker-setup").returncode == 1
    assert enablement(scratch) == before


def test_services_pulled_in_by_the_package_are_kept_for_otp_broker(scratch: Scratch) -> None:
    """apt unpacks hostapd, dnsmasq and haproxy with the package, then configures them: those
    are OTP Broker's. Debian's haproxy service is disabled, not masked (the app runs its own);
    the dnsmasq drop-in's gate skips dnsmasq until OTP Broker's access point is set up."""
    assert enablement(scratch)[2] == "enabled"
    scratch.out(AS_IF_PULLED_IN)
    unpacked = scratch.run(f"dpkg -i /mnt/otp-broker_{CURRENT}_amd64.deb")
    assert unpacked.returncode != 0  # its Depends are not configured yet
    done = scratch.run("dpkg --configure -a")
    assert done.returncode == 0, done.stdout + done.stderr
    assert scratch.status() == f"install ok installed {CURRENT}"
    assert enablement(scratch)[2] == "disabled"
    assert scratch.out("ls /var/lib/otp-broker-setup").split() == ["ours-dnsmasq", "ours-hostapd"]
    skipped = scratch.run(GATE)
    assert skipped.returncode == 1 and "access point not set up" in skipped.stderr


def test_lintian_finds_no_error(debs: Path) -> None:
    """Errors fail; warnings are allowed (packaging/deb/lintian-overrides says why some
    errors are accepted)."""
    deb = debs / f"otp-broker_{CURRENT}_amd64.deb"
    done = subprocess.run(["lintian", "--fail-on", "error", str(deb)],
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "E: otp-broker" not in done.stdout


def assert_nothing_changed(scratch: Scratch) -> None:
    assert "not-installed" in scratch.status()
    assert scratch.run("getent passwd otpbroker").returncode == 2
    for path in ("/opt/otp-broker", DATA, "/usr/bin/otp-broker", "/usr/sbin/otpb-helper"):
        assert scratch.run(f"test -e {path}").returncode == 1, path


def test_unsupported_release_and_architecture_are_refused_before_any_change(
    scratch: Scratch,
) -> None:
    scratch.out("sed -i 's/^VERSION_CODENAME=.*/VERSION_CODENAME=bullseye/' /usr/lib/os-release")
    done = install(scratch, CURRENT)
    assert done.returncode != 0
    assert "otp-broker: unsupported release 'bullseye'" in done.stdout + done.stderr
    assert "nothing was changed" in done.stdout + done.stderr
    assert_nothing_changed(scratch)

    scratch.out("sed -i 's/^VERSION_CODENAME=.*/VERSION_CODENAME=bookworm/' /usr/lib/os-release")
    # A 32-bit system: dpkg (found first on the maintainer scripts' PATH) says armhf.
    scratch.out(
        "printf '%s\\n' '#!/bin/sh' '[ \"$1\" = --print-architecture ] && exec echo armhf'"
        " 'exec /usr/bin/dpkg \"$@\"' > /usr/local/sbin/dpkg && chmod 755 /usr/local/sbin/dpkg"
    )
    done = scratch.run(f"/usr/bin/dpkg -i /mnt/otp-broker_{CURRENT}_amd64.deb")
    assert done.returncode != 0
    assert "otp-broker: unsupported architecture 'armhf'" in done.stdout + done.stderr
    assert_nothing_changed(scratch)


def test_a_failed_first_boot_step_leaves_the_package_configured_and_not_started(
    scratch: Scratch,
) -> None:
    # factory-init cannot make its folder: a file stands where it goes.
    scratch.out(f"mkdir -p {DATA} && touch {DATA}/factory")
    done = install(scratch, CURRENT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert scratch.status() == f"install ok installed {CURRENT}"
    output = done.stdout + done.stderr
    assert "the first-boot step 'factory-init' failed" in output
    assert "service was not started" in output
    assert scratch.run(f"test -e {DATA}/.first-boot-done").returncode == 1
