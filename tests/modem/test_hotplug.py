"""Modem hot-plug: emulated modems on real ptys with by-id-like links, a real pool.

Events are fed through an injectable source (the udev monitor's place); the conversion from
real pyudev ``Device`` objects is checked against this machine's /sys.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyudev

from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.hotplug import (
    HotPlug,
    ModemRef,
    TtyEvent,
    event_from_device,
    probe_imei,
    stable_path,
    udev_available,
)
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.transport import SerialSettings

NO_RETRY = (600.0,)  # a back-off so long that only hot-plug can bring a modem back in a test
OPTIONS = ModemOptions(prompt_timeout=2.0, result_timeout=3.0, command_timeout=2.0)


class QueueSource:
    """An event source fed by the test, consumed by HotPlug's thread."""

    def __init__(self) -> None:
        self.events: queue.Queue[TtyEvent] = queue.Queue()

    def __call__(self, stop: threading.Event) -> Iterator[TtyEvent]:
        while not stop.is_set():
            try:
                yield self.events.get(timeout=0.1)
            except queue.Empty:
                continue


class Records:
    """The configured modems as the composition root would keep them."""

    def __init__(self, pool: ModemPool) -> None:
        self.pool = pool
        self.refs: dict[str, ModemRef] = {}
        self.moves: list[tuple[str, str]] = []

    def add(self, modem_id: str, port: str, imei: str | None = None) -> None:
        self.refs[modem_id] = ModemRef(modem_id, port, imei)
        self.apply()

    def apply(self) -> None:
        self.pool.apply([
            ModemSpec(ref.modem_id, ref.modem_id, SerialSettings(port=ref.port), OPTIONS)
            for ref in self.refs.values()
        ])  # fmt: skip

    def list(self) -> list[ModemRef]:
        return list(self.refs.values())

    def update_port(self, modem_id: str, port: str) -> None:
        self.moves.append((modem_id, port))
        self.refs[modem_id] = ModemRef(modem_id, port, self.refs[modem_id].imei)
        self.apply()


@pytest.fixture
def pool() -> Iterator[ModemPool]:
    modems = ModemPool(reconnect_delays=NO_RETRY)
    yield modems
    modems.stop()


@pytest.fixture
def records(pool) -> Records:
    return Records(pool)


@pytest.fixture
def hotplug(pool, records) -> Iterator[tuple[HotPlug, QueueSource]]:
    source = QueueSource()
    plug = HotPlug(pool, records.list, records.update_port, source=source, probe_all=False)
    assert plug.start()
    yield plug, source
    plug.stop()


def state_of(pool: ModemPool, modem_id: str) -> str:
    return next(s.state for s in pool.statuses() if s.modem_id == modem_id)


def wait_state(pool: ModemPool, modem_id: str, state: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while state_of(pool, modem_id) != state:
        assert time.monotonic() < deadline, f"{modem_id}: {state_of(pool, modem_id)} != {state}"
        time.sleep(0.05)


def add_event(sim, usb: bool = True) -> TtyEvent:
    return TtyEvent("add", sim.path, (str(sim.link),), usb)


def test_replugged_modem_is_used_again_right_after_the_event(make_sim, pool, records, hotplug):
    _, source = hotplug
    sim = make_sim(imei="356938035643809")
    records.add("m1", str(sim.link), sim.imei)
    wait_state(pool, "m1", "ready")
    old_path = sim.path

    sim.unplug()
    source.events.put(TtyEvent("remove", old_path, (str(sim.link),), True))
    wait_state(pool, "m1", "unplugged")

    sim.replug()
    wait_state(pool, "m1", "unplugged")  # nothing but the event brings it back (back-off 600 s)
    source.events.put(add_event(sim))
    wait_state(pool, "m1", "ready")
    assert records.moves == []  # same stable path: nothing to store
    future = pool._workers["m1"].submit_ussd("*888#", queue_timeout=10)
    assert future.result(15)  # really talking to the modem again


def test_without_the_event_the_back_off_decides(make_sim, pool, records):
    sim = make_sim(imei="356938035643817")
    records.add("m1", str(sim.link), sim.imei)
    wait_state(pool, "m1", "ready")
    sim.unplug()
    wait_state(pool, "m1", "disconnected")  # it noticed by itself and now waits 600 s
    sim.replug()
    time.sleep(1.5)
    assert state_of(pool, "m1") == "disconnected"  # back, but nobody told the pool
    plug = HotPlug(pool, records.list, records.update_port)
    assert plug.handle(add_event(sim)) == ["retry m1"]
    wait_state(pool, "m1", "ready")


def test_new_path_matched_by_imei_and_stored(make_sim, pool, records, hotplug, tmp_path):
    _, source = hotplug
    sim = make_sim(imei="356938035643825")
    gone = tmp_path / "old-by-id" / "usb-Old_Name-if00-port0"
    records.add("m1", str(gone), sim.imei)
    records.add("m2", str(tmp_path / "other-gone"), "356938035649999")  # another lost modem
    wait_state(pool, "m1", "disconnected")

    source.events.put(add_event(sim))
    wait_state(pool, "m1", "ready")
    assert records.moves == [("m1", str(sim.link))]
    assert state_of(pool, "m2") == "disconnected"


def test_unknown_imei_leaves_everything_alone(make_sim, pool, records, tmp_path):
    sim = make_sim(imei="356938035643833")
    records.add("m1", str(tmp_path / "gone"), "356938035640001")
    plug = HotPlug(pool, records.list, records.update_port)
    assert plug.handle(add_event(sim)) == []
    assert records.moves == []


def test_not_probed_without_a_lost_modem_or_off_usb(make_sim, pool, records, tmp_path):
    sim = make_sim(imei="356938035643841")
    probed: list[str] = []

    def probe(port: str) -> str | None:
        probed.append(port)
        return probe_imei(port)

    plug = HotPlug(pool, records.list, records.update_port, probe=probe)
    assert plug.handle(add_event(sim)) == []  # no modem configured at all
    records.add("m1", str(tmp_path / "gone"), sim.imei)
    assert plug.handle(add_event(sim, usb=False)) == []  # e.g. a console port
    assert probed == []
    assert plug.handle(add_event(sim)) == [f"moved m1 to {sim.link}"]
    assert probed == [str(sim.link)]


def test_never_matched_by_kernel_name_alone(make_sim, pool, records):
    sim = make_sim(imei="356938035643858")
    records.add("m1", sim.path)  # configured by its pty node, like /dev/ttyUSB0
    wait_state(pool, "m1", "ready")
    plug = HotPlug(pool, records.list, records.update_port)
    assert plug.handle(TtyEvent("add", sim.path, (), True)) == []
    assert plug.handle(add_event(sim)) == []


def test_remove_matched_by_remembered_node(make_sim, pool, records):
    sim = make_sim(imei="356938035643866")
    records.add("m1", str(sim.link), sim.imei)
    wait_state(pool, "m1", "ready")
    plug = HotPlug(pool, records.list, records.update_port)
    plug.handle(add_event(sim))  # seen at its node
    node = sim.path
    sim.unplug()
    assert plug.handle(TtyEvent("remove", node, (), True)) == ["unplugged m1"]
    wait_state(pool, "m1", "unplugged")


def test_probe_reads_the_imei_over_a_real_pty(make_sim, tmp_path):
    sim = make_sim(imei="356938035643874")
    assert probe_imei(str(sim.link)) == "356938035643874"
    assert probe_imei(str(tmp_path / "nothing")) is None


def test_stable_path_prefers_by_id():
    event = TtyEvent("add", "/dev/ttyUSB3", ("/dev/serial/by-path/p", "/dev/serial/by-id/usb-X"))
    assert stable_path(event) == "/dev/serial/by-id/usb-X"
    assert stable_path(TtyEvent("add", "/dev/ttyUSB3", ("/x/link",))) == "/x/link"
    assert stable_path(TtyEvent("add", "/dev/ttyUSB3")) == "/dev/ttyUSB3"


def test_event_from_a_real_pyudev_device():
    context = pyudev.Context()
    ttys = sorted(Path("/sys/class/tty").glob("tty*"))
    if not ttys:
        pytest.skip("this machine has no tty in /sys")
    device = pyudev.Devices.from_path(context, str(ttys[0]))
    event = event_from_device(device)
    assert event is not None
    assert event.action == "add" and event.node == f"/dev/{ttys[0].name}"
    assert event.usb is False and isinstance(event.links, tuple)


def test_without_udev_hot_plug_stays_off(pool, records, caplog, monkeypatch):
    monkeypatch.setattr("otpbroker.modem.hotplug.udev_available", lambda: False)
    plug = HotPlug(pool, records.list, records.update_port)
    caplog.set_level(logging.INFO, logger="otpbroker.modem.hotplug")
    assert plug.start() is False
    assert "no udev here" in caplog.text
    plug.stop()
    assert udev_available("/nonexistent/udev") is False


def control(path: Path, request: dict) -> dict:
    """One JSON-line request to the emulator's control socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(sock.makefile("rb").readline())


def test_modem_sim_process_unplugged_and_replugged_through_its_control_socket(
    tmp_path, pool, records, hotplug
):
    _, source = hotplug
    links, ctl = tmp_path / "by-id", tmp_path / "ctl.sock"
    argv = [str(Path(sys.executable).with_name("otp-broker")), "modem-sim", "--seed=11",
            f"--link-dir={links}", f"--control={ctl}"]  # fmt: skip
    sim = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert sim.stdout is not None
        path, imei, _imsi, _msisdn = sim.stdout.readline().split()
        link = str(links / imei)
        records.add("m1", link, imei)
        wait_state(pool, "m1", "ready")

        assert control(ctl, {"modem": imei, "action": "unplug"})["ok"] is True
        source.events.put(TtyEvent("remove", path, (link,), True))
        wait_state(pool, "m1", "unplugged")

        replugged = control(ctl, {"modem": imei, "action": "replug"})
        assert replugged["ok"] is True
        new_path = replugged["modem"]["path"]
        source.events.put(TtyEvent("add", new_path, (link,), True))
        wait_state(pool, "m1", "ready")
        assert pool._workers["m1"].submit_ussd("*888#", queue_timeout=10).result(15)
    finally:
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(15) == 0
