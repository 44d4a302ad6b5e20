"""The recovery ladder on real ptys: re-open, reboot (AT+CFUN=1,1), USB reset, dead.

The USB reset is a test double standing in for the privileged helper: it power-cycles the
emulator the way a re-enumeration does (new pty, faults gone), optionally under a new
by-id name that hot-plug must find by IMEI.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from matrix_rigs import Rig, profile_of, start_rig

from otpbroker.domain.message import OutboundSms, SendOutcome
from otpbroker.modem.at import AtChannel
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.hotplug import HotPlug, ModemRef, TtyEvent
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.recovery import RecoveryPolicy, await_port_cycle, await_startup, send_reboot
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.transport import SerialSettings, SerialTransport
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.sms import SmsRequest

from modem_waits import wait_ready, wait_until

NUMBER = "+628126666666"
POLICY = RecoveryPolicy(reopen_attempts=1, drop_wait=0.5, return_wait=3.0, boot_wait=2.0,
                        boot_quiet=0.2, boot_first_line=0.3)  # fmt: skip
OPTIONS = {"prompt_timeout": 0.5, "result_timeout": 2.0, "command_timeout": 1.0,
           "wake_timeout": 0.2}  # fmt: skip


class UsbResetDouble:
    """Stands in for ``UsbPortReset``: power-cycles the emulator (after ``gate`` opens)."""

    def __init__(self, sim: SimModem, *, gate: threading.Event | None = None,
                 then: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.sim = sim
        self.gate = gate
        self.then = then
        self.calls: list[str] = []
        self.entered = threading.Event()

    def __call__(self, port: str, pause: Callable[[float], bool]) -> bool:
        self.calls.append(port)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(30), "the test never let the USB reset finish"
        self.sim.replug()
        if self.then is not None:
            self.then()
        return True


@pytest.fixture
def ladder_worker() -> Iterator[Callable[..., ModemWorker]]:
    started: list[ModemWorker] = []

    def factory(port: str, reset_usb=None, policy: RecoveryPolicy = POLICY) -> ModemWorker:
        worker = ModemWorker(f"w{len(started)}", SerialSettings(port=port),
                             ModemOptions(**OPTIONS), reconnect_delays=(0.1, 0.2),
                             reset_usb=reset_usb, recovery=policy)  # fmt: skip
        worker.start()
        started.append(worker)
        return worker

    yield factory
    for worker in started:
        worker.stop()


def wedge_and_notice(sim: SimModem, worker: ModemWorker) -> None:
    """The modem stops answering; the next send finds out (nothing went out)."""
    sim.inject("wedge")
    result = worker.submit_sms(encode_sms(NUMBER, "otp into the void")).result(15)
    assert result.outcome is SendOutcome.FAILED and result.error_code == "NO_PROMPT"


def test_a_silent_modem_climbs_to_dead_and_the_admin_retry_starts_over(make_sim, ladder_worker):
    sim = make_sim()
    worker = ladder_worker(sim.port)  # no USB reset on this machine
    wait_ready(worker)
    wedge_and_notice(sim, worker)
    assert wait_until(lambda: worker.status.state == "dead", 30), worker.status
    status = worker.status
    assert "rebooted it (AT+CFUN=1,1)" in status.recovery and "gave up" in status.recovery
    assert status.out_of_routing[0] == "dead"
    late = worker.submit_sms(encode_sms(NUMBER, "otp while dead")).result(
        10
    )  # fails at once, not sent
    assert late.outcome is SendOutcome.FAILED and late.error_code == "MODEM_UNAVAILABLE"
    sim.clear_faults()  # someone power-cycled it by hand
    worker.recover()
    wait_ready(worker)
    assert worker.status.recovery is None
    assert worker.submit_sms(encode_sms(NUMBER, "otp again")).result(10).outcome is SendOutcome.SENT
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp again"]


def test_the_ladder_retries_the_reopen_before_each_harder_rung(make_sim, ladder_worker):
    sim = make_sim()
    two = RecoveryPolicy(reopen_attempts=2, drop_wait=0.3, return_wait=1.0, boot_wait=1.0,
                         boot_quiet=0.2, boot_first_line=0.2)  # fmt: skip
    worker = ladder_worker(sim.port, policy=two)
    wait_ready(worker)
    wedge_and_notice(sim, worker)
    assert wait_until(lambda: worker.status.state == "recovering", 15)
    assert "re-open 2 of 2" in (worker.status.recovery or "")
    assert wait_until(lambda: worker.status.state == "dead", 30), worker.status


def test_the_usb_reset_rung_brings_a_wedged_modem_back(make_sim, ladder_worker):
    sim = make_sim()
    double = UsbResetDouble(sim)
    worker = ladder_worker(sim.port, reset_usb=double)
    wait_ready(worker)
    wedge_and_notice(sim, worker)
    assert double.entered.wait(30), worker.status
    wait_ready(worker, 30)
    assert double.calls == [sim.port]  # once, with the configured (stable) port
    assert worker.status.recovery is None
    assert worker.submit_sms(encode_sms(NUMBER, "otp back")).result(10).outcome is SendOutcome.SENT


def test_a_reboot_drops_the_port_and_the_start_up_lines_follow(make_sim):
    sim = make_sim(**profile_of("quectel-ec25", reboot_time=0.2, boot_delay=0.3))
    assert send_reboot(SerialSettings(port=sim.port), "reboot test")
    gone = threading.Event()

    def pause(seconds: float) -> bool:
        if not os.path.exists(sim.port):
            gone.set()
        threading.Event().wait(seconds)
        return True

    assert await_port_cycle(lambda: sim.port, pause, POLICY)
    assert gone.is_set()  # it really left the bus, and came back
    transport = SerialTransport(SerialSettings(port=sim.port))
    transport.open()
    try:
        lines = await_startup(AtChannel(transport, name="boot"), POLICY)
    finally:
        transport.close()
    assert lines[0] == "RDY" and "+QIND: SMS DONE" in lines


def test_a_replugged_modem_is_found_by_imei_under_a_new_name(tmp_path):
    """The USB reset brings the stick back under another by-id name: hot-plug asks the new
    port for its IMEI, the new path is stored, and the modem reconnects there."""
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    sim = SimModem(ModemProfile(imei="356938035643999")).start()
    old_link, new_link = by_id / "usb-Old_Serial-if00-port0", by_id / "usb-New_Serial-if00-port0"
    old_link.symlink_to(sim.path)
    ports = {"m1": str(old_link)}
    moves: list[tuple[str, str]] = []
    doubles: list[UsbResetDouble] = []
    pool = ModemPool(reconnect_delays=(0.1, 0.2), recovery=POLICY,
                     reset_usb=lambda port, pause: doubles[0](port, pause))  # fmt: skip

    def apply() -> None:  # the configuration, as the composition root applies it
        options = ModemOptions(**OPTIONS)
        pool.apply([ModemSpec("m1", "m1", SerialSettings(port=ports["m1"]), options)])

    def update_port(modem_id: str, port: str) -> None:
        moves.append((modem_id, port))
        ports[modem_id] = port
        apply()

    plug = HotPlug(pool, lambda: [ModemRef("m1", ports["m1"], sim.imei)], update_port)

    def renamed() -> None:  # what the kernel and udev do after the re-enumeration
        old_link.unlink()
        new_link.symlink_to(sim.path)
        plug.handle(TtyEvent("add", str(sim.path), (str(new_link),), usb=True))

    doubles.append(UsbResetDouble(sim, then=renamed))
    try:
        apply()
        assert wait_until(lambda: pool.statuses()[0].connected, 15)
        wedge_and_notice(sim, pool._workers["m1"])
        assert wait_until(lambda: moves == [("m1", str(new_link))], 30), pool.statuses()
        assert wait_until(lambda: pool.statuses()[0].connected, 30), pool.statuses()
        assert pool.statuses()[0].port == str(new_link)
        assert doubles[0].calls == [str(old_link)]
        sms = OutboundSms("628126666666", "otp on the new port", None, "rest")
        assert pool.send(["m1"], pool.encode(sms, 10), 10).outcome is SendOutcome.SENT
        assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp on the new port"]
    finally:
        pool.stop()
        sim.stop()


def test_one_wedged_modem_never_holds_up_the_others(tmp_path):
    """Three modems take turns; one stops answering and goes down the ladder (its USB reset
    waits until the test lets it finish), while every message goes out on the other two."""
    gate = threading.Event()
    doubles: list[UsbResetDouble] = []
    rig: Rig = start_rig(
        tmp_path / "by-id",
        {"m0": profile_of("generic"), "m1": profile_of("quectel-ec25")},
        options=OPTIONS,
        health_interval=30.0,
        same_prefix="62812",
        recovery=POLICY,
        reset_usb=lambda port, pause: doubles[0](port, pause),
    )
    doubles.append(UsbResetDouble(rig.sims["m0"], gate=gate))
    try:
        rig.sims["m0"].inject("wedge")
        texts = [f"otp {n:02d}" for n in range(12)]
        requests = [
            SmsRequest(f"62812{n:07d}", text, source="rest") for n, text in enumerate(texts)
        ]
        with ThreadPoolExecutor(4) as senders:
            deliveries = list(senders.map(rig.sms.submit, requests))
        assert all(d.outcome is SendOutcome.SENT for d in deliveries), deliveries
        assert {d.modem_id for d in deliveries} == {"m1", "fallback"}
        # its recovery cannot end before the gate opens: it noticed, and it is still on the way
        assert wait_until(lambda: not rig.status("m0").connected, 15) and not gate.is_set()
        delivered = [d.text for name in ("m1", "fallback") for d in rig.sims[name].deliveries]
        assert sorted(delivered) == texts  # each exactly once
        assert rig.sims["m0"].deliveries == []  # nothing went out on the wedged one
        assert doubles[0].entered.wait(30)  # it did reach the USB reset rung
        gate.set()
        rig.wait_ready("m0", timeout=30)
        assert rig.route("m0").healthy
    finally:
        gate.set()
        rig.stop()
