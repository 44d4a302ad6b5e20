"""A real PPP link: the product's peers file and chat script, run by the real ``pppd`` in a
device namespace, dial the emulated modem, whose data call is relayed to a real ``pppd``
playing the operator in another namespace (``ppp_operator.py``).

These need a kernel with PPP (``CONFIG_PPP``, ``ppp_generic``): without it pppd stops at
once with exit status 4 and no link can come up, so they are skipped there, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial
from netns_tools import require_netns
from ppp_operator import (
    DEVICE_IP,
    DNS_IP,
    SERVER_BODY,
    SERVER_IP,
    SERVER_PORT,
    Device,
    Operator,
    wait_for,
)

from otpbroker.domain.message import OutboundSms, SendOutcome
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim import Mode, ModemProfile, SimModem
from otpbroker.modem.transport import SerialSettings
from otpbroker.services.link_redial import LinkRedial
from otpbroker.system.ppp_errors import EXIT_MEANINGS, explain_exit, explain_log
from otpbroker.system.ppp_status import link_status
from otpbroker.system.render_ppp import HOLDOFF_SECONDS, PppLink, preset, render_chat, render_peer

LINK_UP_SECONDS = 40
SMS_PDU = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"  # +46708251358 "hellohello"
LINK_LOST = (EXIT_MEANINGS[16], EXIT_MEANINGS[15])
"""How the device's pppd learns the operator side died: the emulator ends the data call
(NO CARRIER, the line hung up: 16), as a modem does when the network drops the call, or,
should that come later, the unanswered LCP echoes (15) — each put into words."""
FAST_ECHO = ("lcp-echo-interval", "1", "lcp-echo-failure", "3")
"""Given after the peers file (later options win): notice a dead operator in ~3 s instead
of the product's 2 minutes, so the test stays short; the redial and its back-off are the
product's own (``LinkRedial``: pppd runs without ``persist`` and ends with the link)."""


def kernel_has_ppp() -> bool:
    """True when pppd can get a PPP channel from the kernel (``/dev/ppp`` opens)."""
    if os.path.exists("/sys/module/ppp_generic"):
        return True
    modprobe = shutil.which("modprobe")
    if modprobe is None:
        return False
    done = subprocess.run([modprobe, "ppp_generic"], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture(autouse=True)
def _root_and_pppd() -> None:
    require_netns()
    if not os.path.exists("/usr/sbin/pppd"):
        pytest.fail("pppd is not installed (apt-get install ppp)")


@pytest.fixture
def kernel_ppp() -> None:
    if not kernel_has_ppp():
        pytest.skip("this kernel has no PPP support (CONFIG_PPP): pppd exits with status 4")


def write_link(tmp: Path, port: str, operator: str, **changes: str) -> tuple[PppLink, Path]:
    """The product's files for the preset ``operator`` on ``port``; the peers file path."""
    chosen = preset(operator)
    values = {"apn": chosen.apn, "username": chosen.username, "password": chosen.password,
              "dial_number": chosen.dial_number, **changes}  # fmt: skip
    link = PppLink(name=f"ppp-t{os.getpid() % 100000}", device=port, speed=115200, **values)
    chat_dir = tmp / "chatscripts"
    chat_dir.mkdir(exist_ok=True)
    (chat_dir / link.name).write_text(render_chat(link))
    peers = tmp / "peers"
    peers.write_text(render_peer(link, str(chat_dir), str(tmp)))  # Device.start's logfile wins
    return link, peers


def http_get(device: Device) -> str:
    """GET the operator's server from the device namespace (through its default route)."""
    code = (f"import urllib.request; print(urllib.request.urlopen("
            f"'http://{SERVER_IP}:{SERVER_PORT}/', timeout=5).read().decode())")  # fmt: skip
    done = device.netns.exec(sys.executable, "-c", code, check=False)
    return done.stdout.strip() if done.returncode == 0 else f"failed: {done.stderr[-300:]}"


def has_address(device: Device, name: str) -> bool:
    """True once the link interface has the address the operator hands out."""
    done = device.netns.exec("ip", "-4", "-o", "addr", "show", "dev", name, check=False)
    return DEVICE_IP in done.stdout


def send_sms(port: str) -> bytes:
    """Submit one SMS (PDU mode) on ``port``; what the modem answered."""
    with serial.Serial(port, timeout=0.1) as ser:
        ser.write(b"AT+CMGF=0\r")
        time.sleep(0.3)
        ser.write(b"AT+CMGS=23\r")
        time.sleep(0.3)
        ser.write(SMS_PDU.encode() + b"\x1a")
        answer = b""
        deadline = time.monotonic() + 10
        while b"OK\r\n" not in answer and b"ERROR" not in answer and time.monotonic() < deadline:
            answer += ser.read(256)
        return answer


Sides = Callable[..., tuple[Operator, Device, SimModem]]


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[Sides]:
    made: list[Operator | Device | SimModem] = []

    def make(user: str, password: str, auth: str = "pap") -> tuple[Operator, Device, SimModem]:
        operator = Operator(tmp_path, user, password, auth)
        made.append(operator)
        device = Device(tmp_path)
        made.append(device)
        sim = SimModem(ModemProfile(seed=5, accepted_apns=("3data",)), network=operator.network)
        made.append(sim.start())
        return operator, device, sim

    yield make
    for thing in reversed(made):
        thing.stop() if isinstance(thing, SimModem) else thing.close()


@pytest.mark.parametrize("auth", ["pap", "chap"])
@pytest.mark.usefixtures("kernel_ppp")
def test_link_comes_up_with_the_preset_and_carries_http(sides: Sides, tmp_path, auth):
    _, device, sim = sides("3data", "3data", auth)
    link, peers = write_link(tmp_path, sim.port, "Three (3)")
    with SimModem(ModemProfile(seed=9)) as other:
        device.start(peers)
        wait_for("the link's address", lambda: has_address(device, link.name), LINK_UP_SECONDS)
        assert sim.dialogue.state.contexts == {1: "3data"}
        routes = device.netns.exec("ip", "route", "show", "default").stdout
        assert f"dev {link.name}" in routes
        wait_for("resolv.conf", device.resolv_conf.exists, 5)
        assert f"nameserver {DNS_IP}" in device.resolv_conf.read_text()
        assert http_get(device) == SERVER_BODY
        assert send_sms(other.port).endswith(b"\r\nOK\r\n")  # SMS on a second modem meanwhile
        assert len(other.wait_for_deliveries(1)) == 1
    assert explain_log(device.log_text()) is None


@pytest.mark.usefixtures("kernel_ppp")
def test_wrong_password_fails_with_a_clear_message(sides: Sides, tmp_path):
    _, device, sim = sides("3data", "3data")
    link, peers = write_link(tmp_path, sim.port, "Three (3)", password="wrong")
    proc = device.start(peers, "nopersist")
    status = proc.wait(LINK_UP_SECONDS)
    assert explain_exit(status) == EXIT_MEANINGS[19], device.log_text()
    assert explain_log(device.log_text()) == EXIT_MEANINGS[19]
    assert link_status(link.name, log_file=str(device.log))["problem"] == EXIT_MEANINGS[19]
    assert not has_address(device, link.name)


class DeviceLinks:
    """The internet control as ``LinkRedial`` sees it, for the device namespace: Connect
    starts the device's pppd with the product's files; the state is read from there."""

    available = True

    def __init__(self, device: Device, peers: Path, name: str) -> None:
        self.device, self.peers, self.name = device, peers, name

    def connect(self, record: dict) -> dict:
        self.device.start(self.peers, *FAST_ECHO)
        return self.status(record)

    def disconnect(self, record: dict) -> dict:
        self.device.stop()
        return self.status(record)

    def status(self, record: dict) -> dict:
        proc = self.device.pppd
        running = proc is not None and proc.poll() is None
        return {"up": has_address(self.device, self.name),
                "pid": proc.pid if running and proc is not None else None,
                "problem": explain_log(self.device.log_text())}  # fmt: skip


@pytest.mark.usefixtures("kernel_ppp")
def test_operator_killed_is_noticed_and_redialled(sides: Sides, tmp_path):
    operator, device, sim = sides("3data", "3data")
    link, peers = write_link(tmp_path, sim.port, "Three (3)")
    modem = {"id": "m1", "name": "Stick"}
    redial = LinkRedial(DeviceLinks(device, peers, link.name), check_seconds=0.5)
    try:
        redial.connect(modem)
        wait_for("the link's address", lambda: has_address(device, link.name), LINK_UP_SECONDS)
        operator.kill_current()
        wait_for("the link to go down", lambda: not has_address(device, link.name), 20)
        proc = device.pppd
        assert proc is not None
        assert explain_exit(proc.wait(20)) in LINK_LOST  # no persist: pppd ends
        assert explain_log(device.log_text()) in LINK_LOST
        wait_for(
            "a planned redial", lambda: redial.status(modem)["next_redial_seconds"] is not None, 10
        )
        assert redial.status(modem)["problem"] in LINK_LOST
        wait_for("a redial", lambda: len(operator.peers) == 2, HOLDOFF_SECONDS + LINK_UP_SECONDS)
        wait_for("the link back up", lambda: has_address(device, link.name), LINK_UP_SECONDS)
        assert http_get(device) == SERVER_BODY
        assert explain_log(device.log_text()) is None
        assert redial.status(modem)["redials"] == 1
    finally:
        redial.disconnect(modem)
        redial.stop()


def driver_ready(pool: ModemPool) -> bool:
    """True once the pool's modem has a worker and it is connected."""
    statuses = pool.statuses()
    return bool(statuses) and all(status.connected for status in statuses)


def pool_send(pool: ModemPool, text: str) -> SendOutcome:
    """Send ``text`` through the product's driver on the pool's one modem."""
    message = pool.encode(OutboundSms("628126666666", text, None, "rest"), 10)
    return pool.send(["one"], message, 60).outcome


@pytest.mark.usefixtures("kernel_ppp")
def test_one_port_modem_pauses_sms_for_the_link_and_resumes(sides: Sides, tmp_path):
    """A modem with a single serial line: the driver sends on it; paused (the modem made
    inactive, as the Internet page does), the pool lets go of the line, the device's pppd
    dials on that same line and the link carries HTTP while no AT command reaches the port;
    once the link is down the modem is back in command mode and SMS resumes on it."""
    _, device, sim = sides("3data", "3data")
    link, peers = write_link(tmp_path, sim.port, "Three (3)")
    options = ModemOptions(prompt_timeout=5.0, result_timeout=15.0, command_timeout=5.0)
    spec = ModemSpec("one", "one", SerialSettings(port=sim.port), options)
    pool = ModemPool(reconnect_delays=(0.2, 0.5, 1.0))
    try:
        pool.apply([spec])
        wait_for("the driver ready", lambda: driver_ready(pool), 30)
        assert pool_send(pool, "before the call") is SendOutcome.SENT
        pool.apply([ModemSpec("one", "one", SerialSettings(port=sim.port), options,
                              active=False)])  # fmt: skip
        device.start(peers)
        wait_for("the link's address", lambda: has_address(device, link.name), LINK_UP_SECONDS)
        assert sim.dialogue.mode is Mode.DATA
        assert http_get(device) == SERVER_BODY
        device.stop()
        wait_for("command mode after the call", lambda: sim.dialogue.mode is Mode.COMMAND, 30)
        pool.apply([spec])
        wait_for("the driver back", lambda: driver_ready(pool), 30)
        assert pool_send(pool, "after the call") is SendOutcome.SENT
    finally:
        pool.stop()
    assert [d.text for d in sim.deliveries] == ["before the call", "after the call"]


def test_without_kernel_ppp_both_sides_fail_in_words(sides: Sides, tmp_path):
    """Where the kernel has no PPP (the other tests skip): the device's pppd, given the
    product's files, stops with status 4, put into words; the operator's pppd, started by
    the emulator for the call, stops too and the call ends with NO CARRIER."""
    if kernel_has_ppp():
        pytest.skip("this kernel has PPP: the tests above prove the link itself")
    operator, device, sim = sides("3data", "3data")
    _, peers = write_link(tmp_path, sim.port, "Three (3)")
    status = device.start(peers).wait(LINK_UP_SECONDS)
    assert explain_exit(status) == EXIT_MEANINGS[4], device.log_text()
    with serial.Serial(sim.port, timeout=0.1) as ser:
        ser.write(b'AT+CGDCONT=1,"IP","3data"\r')
        time.sleep(0.3)
        ser.write(b"ATD*99#\r")
        answer = b""
        deadline = time.monotonic() + 10
        while b"NO CARRIER" not in answer and time.monotonic() < deadline:
            answer += ser.read(256)
    assert b"CONNECT\r\n" in answer and answer.endswith(b"\r\nNO CARRIER\r\n")
    (peer,) = operator.peers
    assert explain_exit(peer.process.poll()) == EXIT_MEANINGS[4]
