"""End-to-end checks of the built image, booted under QEMU (make image-test).

One guest boots for the whole module; the checks run in file order like the device's life:
first boot and API, first administrator, ... Each check fails loudly with the guest's output.
"""

from __future__ import annotations

import base64
import json
import mmap
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import built_image, wait_until
from modem_link import ModemLink
from qemu_guest import Guest


def http_get(port: int, path: str) -> tuple[int, str]:
    """GET from the guest through QEMU's port forwarding; (status, body) or (0, error)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def test_first_boot_personalised_the_device(guest: Guest) -> None:
    """The first-boot unit ran: root grown, secrets and brochure created, SSH keys, SSH off."""
    state = guest.exec(["systemctl", "is-system-running", "--wait"], timeout=600)["stdout"]
    failed = guest.sh("systemctl --failed --no-legend --plain | cut -d' ' -f1").split()
    print(f"\nsystem state after boot: {state.strip()}; failed units: {failed or 'none'}")
    status = guest.exec(["systemctl", "status", "--no-pager", "-n", "30", "otp-broker-firstboot"])
    assert status["rc"] == 0, f"first-boot unit not active:\n{status['stdout']}"
    out = guest.sh(
        "test -e /var/lib/otp-broker/.first-boot-done && "
        "ls /etc/ssh/ssh_host_ed25519_key && "
        "ls /boot/firmware/otp-broker-brochure && "
        "test -s /etc/machine-id && "
        "df -BM --output=size / | tail -n1 && "
        "(systemctl is-enabled ssh.service || true)"
    )
    size_mib = int(re.findall(r"(\d+)M", out)[-1])
    assert size_mib > 2000, f"root filesystem not grown to the disk: {out}"
    assert out.strip().splitlines()[-1] == "disabled", f"SSH must be off by default: {out}"


def test_api_and_first_run_page_answer(guest: Guest) -> None:
    """Check 1: the API answers and the admin shows the first-run page; prints boot time."""
    ready = guest.sh("python3 /run/otpb-test/otpb-test/api_ready.py 600", timeout=620).strip()
    print(f"\nguest time from power-on to API-ready: {ready} s")
    status = wait_until(lambda: http_get(guest.ports.api, "/api/openapi.json")[0] == 200, 60)
    assert status, "API not reachable from the host through port forwarding"
    code, body = http_get(guest.ports.api, "/setup")
    assert code == 200, f"first-run page: HTTP {code}; service log:\n" + guest.sh(
        "journalctl -u otp-broker --no-pager -n 60 -o cat"
    )
    assert "setup_code" in body, "first-run page has no setup code field"


class AdminClient:
    """A browser-like client for the admin pages: cookies, CSRF token, no redirect following."""

    def __init__(self, port: int) -> None:
        import http.cookiejar

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, dict]:
        """GET (or POST ``form``) a page; (status, body, headers)."""
        import urllib.parse

        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                return response.status, body, dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        status, body, _ = self.request(path)
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        assert status == 200 and found, f"no CSRF token on {path}: HTTP {status}"
        return found.group(1)


def brochure_value(guest: Guest, label: str) -> str:
    """A value printed on the brochure copy on the boot partition (what the owner prints)."""
    html = guest.sh("cat /boot/firmware/otp-broker-brochure/brochure.html")
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]+)</dd>", html)
    assert found, f"brochure has no {label!r}"
    return found.group(1)


def test_first_admin_needs_the_setup_code_from_the_brochure(guest: Guest) -> None:
    """Check 4: a wrong setup code is refused; the brochure's code creates the administrator."""
    code = brochure_value(guest, "Setup code")
    client = AdminClient(guest.ports.api)
    form = {"username": "owner", "password": "owner-password-1", "password2": "owner-password-1"}
    wrong = "ABCD-EFGH-JKLM-NPQR" if code != "ABCD-EFGH-JKLM-NPQR" else "QRST-UVWX-YZAB-CDEF"
    status, body, _ = client.request(
        "/setup", {**form, "setup_code": wrong, "csrf": client.csrf("/setup")}
    )
    assert status == 400 and "wrong setup code" in body, f"wrong code accepted? HTTP {status}"
    status, body, headers = client.request(
        "/setup", {**form, "setup_code": code, "csrf": client.csrf("/setup")}
    )
    assert status in (302, 303), f"brochure setup code refused: HTTP {status}: {body[:400]}"
    status, _, headers = client.request("/setup")
    assert status in (302, 303) and headers.get("Location", "").endswith("/login"), (
        "after the first administrator, /setup must send to the login page"
    )


API_USER = ("imagetest", "image-test-pass-1")


def in_store(guest: Guest, code: str, *args: str) -> str:
    """Run Python with ``store`` (the app's ConfigStore on the device) as the service user."""
    script = (
        "import json, sys\n"
        "from otpbroker.config.store import ConfigStore\n"
        "with ConfigStore('/var/lib/otp-broker') as store:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
    )
    answer = guest.exec(
        ["runuser", "-u", "otpbroker", "--", "/opt/otp-broker/venv/bin/python", "-c", script,
         *args]
    )  # fmt: skip
    assert answer["rc"] == 0, f"store access failed: {answer['stderr']}"
    return answer["stdout"]


def add_record(guest: Guest, collection: str, fields: dict) -> str:
    """Add a record as an admin edit would; returns its id."""
    code = "print(store.add(sys.argv[1], json.loads(sys.argv[2]))['id'])"
    return in_store(guest, code, collection, json.dumps(fields)).strip()


def api_call(port: int, path: str, payload: dict, timeout: float = 90) -> dict:
    """One authenticated REST API call; the decoded JSON reply (whatever the HTTP status)."""
    token = base64.b64encode(f"{API_USER[0]}:{API_USER[1]}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:  # not up yet, or the port is closed
        return {"error": str(exc)}


def test_usb_modem_sends_an_sms(guest: Guest, modem: ModemLink) -> None:
    """Check 3: the usb-serial modem appears (udev, by-id) and an API SMS reaches the network."""
    by_id = wait_until(
        lambda: guest.exec(["sh", "-c", "ls /dev/serial/by-id/ 2>/dev/null"])["stdout"].split(),
        60,
    )
    assert by_id, "no /dev/serial/by-id entry for the usb-serial modem: " + guest.sh(
        "ls -l /dev/ttyUSB* 2>&1; dmesg | tail -n 20"
    )
    port = f"/dev/serial/by-id/{by_id[0]}"
    add_record(guest, "modems", {"name": "QEMU usb-serial", "port": port})
    answer = guest.exec(
        ["runuser", "-u", "otpbroker", "--", "otp-broker", "--data-dir", "/var/lib/otp-broker",
         "api-user", "add", API_USER[0], "--password-stdin"],
        stdin=API_USER[1] + "\n",
    )  # fmt: skip
    assert answer["rc"] == 0, f"api-user add failed: {answer['stderr']}"
    text = "Image test SMS over usb-serial ✓"
    payload = {"command": "send-sms", "data": {"msisdn": "08126666666", "message": text}}

    def sent() -> dict | None:
        reply = api_call(guest.ports.api, "/api/sms", payload)
        return reply if reply.get("response_code") == "0000" else None

    reply = wait_until(sent, 180, interval=5)
    assert reply, (
        f"send-sms never succeeded; last reply: {api_call(guest.ports.api, '/api/sms', payload)}"
    )
    assert wait_until(lambda: text in modem.delivered(), 30), (
        f"the emulator did not deliver the SMS: {modem.delivered()}"
    )


def make_stick(path: Path, reset_text: str) -> None:
    """A small FAT USB stick image with /optb/reset.txt (mtools; nothing is mounted)."""
    path.unlink(missing_ok=True)
    subprocess.run(["mkfs.vfat", "-n", "OTPBRESET", "-C", str(path), "16384"], check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run(["mmd", "-i", str(path), "::/optb"], check=True)
    source = path.with_suffix(".txt")
    source.write_text(reset_text + "\n", "ascii")
    subprocess.run(["mcopy", "-i", str(path), str(source), "::/optb/reset.txt"], check=True)


def plug_stick(guest: Guest, name: str, image: Path) -> None:
    """Hot-plug a usb-storage device through the QEMU monitor."""
    out = guest.monitor(f"drive_add 0 if=none,id={name},file={image},format=raw")
    assert "OK" in out or "Error" not in out, f"drive_add: {out}"
    out = guest.monitor(f"device_add usb-storage,bus=xhci.0,drive={name},id={name}")
    assert "Error" not in out, f"device_add: {out}"


def unplug_stick(guest: Guest, name: str) -> None:
    """Remove a hot-plugged stick."""
    guest.monitor(f"device_del {name}")
    time.sleep(3)


def has_admins(guest: Guest) -> bool:
    """True while the first-run page sends to the login (an administrator exists)."""
    status, _, _ = AdminClient(guest.ports.api).request("/setup")
    return status in (302, 303)


def test_reset_stick(guest: Guest, workdir: Path) -> None:
    """Check 5: a wrong reset code changes nothing; the right one deletes the administrators
    and restores the network defaults."""
    assert has_admins(guest), "check 4 must have created the first administrator"
    in_store(guest, "store.set('wlan.channel', 11)")
    wrong = workdir / "stick-wrong.img"
    make_stick(wrong, "AAAABBBBCCCCDDDD")
    plug_stick(guest, "stickwrong", wrong)
    time.sleep(30)  # what the reset handler needs at most; nothing may change meanwhile
    assert has_admins(guest), "a stick with a wrong reset code deleted the administrators"
    assert in_store(guest, "print(store.get('wlan.channel'))").strip() == "11"
    unplug_stick(guest, "stickwrong")

    right = workdir / "stick-right.img"
    make_stick(right, brochure_value(guest, "Reset code"))
    plug_stick(guest, "stickright", right)
    assert wait_until(lambda: not has_admins(guest), 120), (
        "the reset stick did not delete the administrators: "
        + guest.sh("journalctl -b --no-pager -n 40 | grep -i -e reset -e stick || true")
    )
    assert in_store(guest, "print(store.get('wlan.channel'))").strip() == "6", (
        "network settings not back at their defaults after the reset"
    )
    # The handler goes on to re-apply the network; unplugging now would stop it half-way.
    running = (
        "systemctl list-units 'otpb-reset-stick@*' --no-legend --plain"
        " --state=active,activating,deactivating"
    )
    assert wait_until(lambda: not guest.sh(running).strip(), 180), "reset handler never ended"
    results = guest.sh("systemctl show -p Result --value 'otpb-reset-stick@*'").split()
    assert results and all(r == "success" for r in results), (
        f"reset handler results {results}: "
        + guest.sh("journalctl -u 'otpb-reset-stick@*' --no-pager -n 30 -o cat")
    )
    installed = guest.exec(["test", "-s", "/etc/hostapd/hostapd.conf"])["rc"] == 0
    assert installed, "reset did not install the factory access point (hostapd.conf):\n" + guest.sh(
        "journalctl -u 'otpb-reset-stick@*' --no-pager -n 30 -o cat"
    )
    unplug_stick(guest, "stickright")


def reachable(port: int) -> bool:
    """True when an HTTP answer comes back through the forwarded port."""
    return http_get(port, "/")[0] != 0


def test_firewall_closes_ports(guest: Guest) -> None:
    """Check 6: a port open in the firewall records is reachable; closed again, it is not; the
    admin port stays reachable throughout."""
    guest.sh(
        "systemd-run --unit=otpb-test-listener --property=DynamicUser=yes "
        "python3 -m http.server 9999 --bind 0.0.0.0"
    )
    assert wait_until(
        lambda: guest.exec(["python3", "-c", "import urllib.request as u;"
                            "u.urlopen('http://127.0.0.1:9999/', timeout=3)"])["rc"] == 0,
        30,
    ), "the test listener in the guest did not start"  # fmt: skip
    guest.sh("nft list ruleset | grep -q 'hook input'")
    assert not reachable(guest.ports.extra), "port 9999 reachable before it was opened"
    record = add_record(guest, "firewall_ports", {"port": 9999, "comment": "image test"})
    assert wait_until(lambda: reachable(guest.ports.extra), 90), "opened port stays closed"
    in_store(guest, "store.update('firewall_ports', sys.argv[1], {'active': False})", record)
    assert wait_until(lambda: not reachable(guest.ports.extra), 90), (
        "port still reachable after it was closed"
    )
    assert http_get(guest.ports.api, "/api/openapi.json")[0] == 200, "admin/API port closed"
    guest.sh("systemctl stop otpb-test-listener")


def test_access_point_serves_a_station(guest: Guest) -> None:
    """Check 2: with mac80211_hwsim, hostapd serves the brochure's SSID and password; a station
    in a network namespace associates, gets a lease in 192.168.0.0/24 and reaches the API."""
    ssid = brochure_value(guest, "Network name")
    password = brochure_value(guest, "Password")
    guest.sh("modprobe mac80211_hwsim radios=2 && udevadm settle && ip -br link")
    phy = guest.sh('basename "$(readlink /sys/class/net/wlan1/phy80211)"').strip()
    guest.sh(
        f"ip netns add otpbsta && iw phy {phy} set netns name otpbsta"
        f" && echo {phy} > /run/otpb-station-phy"
    )
    # The radio appeared after boot, like a Wi-Fi dongle plugged in late: restart the AP side.
    guest.sh("systemctl restart systemd-networkd hostapd dnsmasq", timeout=120)
    assert wait_until(
        lambda: (
            "192.168.0.11/" in guest.exec(["ip", "-4", "-o", "addr", "show", "wlan0"])["stdout"]
        ),
        60,
    ), "wlan0 never got 192.168.0.11: " + guest.sh(
        "ip addr; systemctl status hostapd --no-pager || true"
    )
    answer = guest.exec(["sh", "/run/otpb-test/otpb-test/station.sh", ssid, password], timeout=180)
    report = answer["stdout"]
    assert answer["rc"] == 0, f"station failed: {report}\n{answer['stderr']}"
    assert "station wpa_state=COMPLETED" in report, f"station did not associate: {report}"
    assert f"station ssid={ssid}" in report, report
    lease = re.search(r"lease (192\.168\.0\.\d+)/24", report)
    assert lease, f"no DHCP lease in 192.168.0.0/24: {report}"
    assert "http 200" in report, f"station could not reach http://192.168.0.11:8888: {report}"
    print(f"\nstation joined {ssid!r}, lease {lease.group(1)}")


def scan(image: Path, needles: dict[str, str]) -> set[str]:
    """Which of the needles occur anywhere in the image file (one pass). A needle of digits
    only counts as a whole number: "331462" inside a timestamp 1795621793314624 is no hit."""
    pattern = re.compile(b"|".join(re.escape(n.encode()) for n in sorted(needles, key=len)[::-1]))
    digits = b"0123456789"
    found: set[str] = set()
    with image.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in pattern.finditer(data):
            needle = match.group().decode()
            if needle.isdigit():
                before = data[match.start() - 1] if match.start() else 0
                after = data[match.end()] if match.end() < len(data) else 0
                if before in digits or after in digits:
                    continue
            found.add(needle)
    return found


def test_no_otp_on_the_disk(guest: Guest, modem: ModemLink, disk: Path) -> None:
    """Check 7: after 100+ OTPs, no OTP (nor the SMS text carrying it) is anywhere on the disk."""
    before = len(modem.delivered())
    for number in range(105):
        reply = api_call(
            guest.ports.api,
            "/api/sms",
            {"command": "request-otp", "data": {"msisdn": f"0812555{number:05d}"}},
        )
        assert reply.get("response_code") == "0000", f"request-otp {number}: {reply}"
    assert wait_until(lambda: len(modem.delivered()) - before >= 105, 300), "OTPs not delivered"
    texts = modem.delivered()[before:]
    codes = {code for text in texts for code in re.findall(r"\b\d{4,8}\b", text)}
    assert len(codes) >= 100, f"expected 100+ distinct OTPs in the delivered texts: {texts[:3]}"
    guest.stop()
    # One pass over the whole disk for every needle at once.
    needles = {t: "text" for t in texts}
    needles.update({f'"{c}"': "quoted" for c in codes})
    needles.update({f"={c}": "assigned" for c in codes})
    needles.update({c: "bare" for c in codes})
    hits = scan(disk, needles)
    leaked_texts = [n for n in hits if needles[n] == "text"]
    leaked_quoted = [n for n in hits if needles[n] in ("quoted", "assigned")]
    # A bare 6-digit run may occur by chance (hardware ids, checksums): it counts as a leak
    # only when the image as built did not already contain it.
    bare = {n for n in hits if needles[n] == "bare"}
    leaked_bare = sorted(bare - scan(built_image(), {c: "bare" for c in bare})) if bare else []
    print(
        f"\ndisk scan: {len(codes)} OTPs; {len(bare)} occur as bare digit runs"
        f" ({len(bare) - len(leaked_bare)} already in the built image, {len(leaked_bare)} new);"
        f" SMS texts found: {len(leaked_texts)}"
    )
    assert not leaked_bare, f"OTPs written to the disk by the device: {leaked_bare[:5]}"
    assert not leaked_texts, f"{len(leaked_texts)} OTP SMS texts found on the disk"
    assert not leaked_quoted, f"{len(leaked_quoted)} OTPs found as quoted/assigned values"
