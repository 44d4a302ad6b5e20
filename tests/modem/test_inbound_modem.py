"""Received SMS through the real driver and the PTY emulator, for every personality:
+CMTI read and deleted, the periodic listing, multipart reassembly, bad PDUs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.message_life import InboundSms
from otpbroker.modem import pdu
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim import PERSONALITY_NAMES, SimModem, personality_profile
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.inbound import InboundService
from otpbroker.services.two_way_bus import TwoWayBus

from modem_waits import wait_ready, wait_until

LONG = "Paket internet 10GB aktif s/d 31-12-2030. " * 6 + "Terima kasih 😀"


def parts_of(text: str, reference: int) -> int:
    return len(pdu.encode_deliver("+62811", text, reference=reference))


class Rig:
    """One emulated modem, its driver thread and the real inbound service on a bus."""

    def __init__(self, sim: SimModem, poll: list[float | None], init: tuple[str, ...]) -> None:
        self.sim = sim
        self.bus = TwoWayBus()
        self.received: list[InboundSms] = []
        self.reports: list[pdu.StatusReport] = []
        self._lock = threading.Lock()
        self.bus.subscribe_inbound(self._got)
        self.service = InboundService(self.bus)
        self.poll = poll
        self.worker = ModemWorker(
            "m1",
            SerialSettings(port=sim.port),
            ModemOptions(
                prompt_timeout=2.0, result_timeout=5.0, command_timeout=2.0, init_commands=init
            ),
            reconnect_delays=(0.2, 0.5),
            on_inbound=self.service.take,
            inbound_poll=lambda: self.poll[0],
            on_status_report=lambda _modem, report: self.reports.append(report),
        )

    def _got(self, sms: InboundSms) -> None:
        with self._lock:
            self.received.append(sms)

    def wait_received(self, count: int, timeout: float = 15.0) -> list[InboundSms]:
        assert wait_until(lambda: len(self.received) >= count, timeout), self.received
        return list(self.received)


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def factory(
        name: str = "generic", *, poll: float | None = 3600.0, start: bool = True,
        init: tuple[str, ...] = (),
    ) -> Rig:  # fmt: skip
        profile = personality_profile(name, realistic=False, seed=31)
        sim = SimModem(profile, link_dir=tmp_path / "by-id").start()
        rig = Rig(sim, [poll], init)
        rigs.append(rig)
        if start:
            rig.worker.start()
            wait_ready(rig.worker)
        return rig

    yield factory
    for rig in rigs:
        rig.worker.stop()
        rig.sim.stop()


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_cmti_message_is_read_handed_over_and_deleted(name, make_rig):
    rig = make_rig(name)
    rig.sim.receive_sms("+6281234567890", "Halo, apa kabar? 😀")
    (sms,) = rig.wait_received(1)
    assert (sms.modem_id, sms.sender, sms.text, sms.parts) == (
        "m1", "+6281234567890", "Halo, apa kabar? 😀", 1)  # fmt: skip
    assert not sms.operator and not sms.partial
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
    # The worker still sends afterwards.
    result = rig.worker.submit_sms(encode_sms("+628126666666", "OTP 123456")).result(timeout=20)
    assert result.outcome is SendOutcome.SENT


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_multipart_message_is_reassembled_and_every_part_deleted(name, make_rig):
    rig = make_rig(name)
    rig.sim.receive_sms("Telkomsel", LONG, reference=0x1234)
    (sms,) = rig.wait_received(1)
    assert parts_of(LONG, 0x1234) == 5  # UCS2, 66 units a part with a 16-bit reference
    assert (sms.sender, sms.text, sms.parts, sms.operator) == ("Telkomsel", LONG, 5, True)
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
    assert rig.service.operator_messages() == {"m1": [sms]}


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_messages_stored_while_the_port_was_closed_are_found(name, make_rig):
    rig = make_rig(name, start=False)
    rig.sim.receive_sms("+6281234567890", "while you were away")
    rig.sim.receive_sms("+6289876543210", LONG, reference=9)
    assert rig.sim.stored_messages() == 1 + parts_of(LONG, 9) == 5
    rig.worker.start()
    received = rig.wait_received(2)
    assert sorted(m.text for m in received) == sorted([LONG, "while you were away"])
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_periodic_listing_finds_a_message_that_came_without_notice(name, make_rig):
    rig = make_rig(name, poll=0.5)
    (part,) = pdu.encode_deliver("+6281111111111", "no notice", smsc="+6281100000")
    rig.sim.store_pdu(part)
    (sms,) = rig.wait_received(1)
    assert sms.text == "no notice"
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)


def test_incomplete_message_stays_on_the_sim_until_its_last_part(make_rig):
    rig = make_rig(poll=0.5)
    rig.sim.receive_sms("+6281234567890", LONG, parts=[1, 3, 4], reference=77)
    assert wait_until(lambda: rig.worker.inbox_counts.parts >= 6, 10)  # read twice at least
    assert rig.received == []
    assert rig.sim.stored_messages() == 3
    rig.sim.receive_sms("+6281234567890", LONG, parts=[2], reference=77)
    (sms,) = rig.wait_received(1)
    assert (sms.text, sms.parts) == (LONG, 4)
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
    assert rig.received == [sms]  # once, whatever the listings saw in between


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_garbage_pdu_is_deleted_counted_and_the_worker_goes_on(name, make_rig):
    rig = make_rig(name, poll=0.5)
    rig.sim.store_pdu("00FFFF")
    rig.sim.store_pdu("0004")  # truncated SMS-DELIVER
    rig.sim.receive_sms("+6281234567890", "after the garbage")
    (sms,) = rig.wait_received(1)
    assert sms.text == "after the garbage"
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
    assert rig.worker.inbox_counts.bad == 2
    result = rig.worker.submit_sms(encode_sms("+628126666666", "OTP 654321")).result(timeout=20)
    assert result.outcome is SendOutcome.SENT


def test_stored_status_report_goes_to_the_report_callback_and_is_deleted(make_rig):
    rig = make_rig(poll=0.5)
    when = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
    rig.sim.store_pdu(pdu.encode_status_report(42, "+628126666666", 0, when))
    assert wait_until(lambda: rig.reports, 10)
    (report,) = rig.reports
    assert (report.message_ref, report.recipient, report.delivered) == (42, "+628126666666", True)
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
    assert rig.received == []


def test_nothing_is_read_while_inbound_is_off(make_rig):
    rig = make_rig(poll=None)
    rig.sim.receive_sms("+6281234567890", "left alone")
    result = rig.worker.submit_sms(encode_sms("+628126666666", "OTP 111111")).result(timeout=20)
    assert result.outcome is SendOutcome.SENT  # the modem went on working meanwhile
    assert rig.received == [] and rig.worker.inbox_counts.parts == 0
    assert rig.sim.stored_messages() == 1
    rig.poll[0] = 0.5  # switched on: the listing finds it
    rig.worker.submit_sms(encode_sms("+628126666666", "OTP 222222")).result(timeout=20)
    (sms,) = rig.wait_received(1)
    assert sms.text == "left alone"


@pytest.mark.parametrize("name", ["generic", "quectel-ec25"])
def test_notices_that_come_while_the_inbox_reads_are_not_left_waiting(name, make_rig):
    rig = make_rig(name)  # the next listing is an hour away: only the notices count
    for n in range(8):
        rig.sim.receive_sms("+6281234567890", f"burst {n}")
    received = rig.wait_received(8, timeout=15)  # less than the 30 s health check
    assert sorted(m.text for m in received) == [f"burst {n}" for n in range(8)]
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)


def test_a_message_routed_directly_with_cmt_is_taken_too(make_rig):
    rig = make_rig(init=("AT+CNMI=2,2,0,0,0",))  # a modem set up to route, not store
    rig.sim.receive_sms("+6281234567890", "routed 😀")
    (sms,) = rig.wait_received(1)
    assert sms.text == "routed 😀"
    assert rig.sim.stored_messages() == 0


def test_the_pool_hands_every_modem_its_inbound_reader(tmp_path):
    bus, received = TwoWayBus(), []
    bus.subscribe_inbound(received.append)
    store = Store({"inbound.enabled": True, "inbound.poll_seconds": 60})
    service = InboundService(bus, store)
    sims = [
        SimModem(personality_profile(name, realistic=False, seed=41 + i),
                 link_dir=tmp_path / "by-id").start()
        for i, name in enumerate(("generic", "huawei-e3131"))
    ]  # fmt: skip
    pool = ModemPool(inbound=service, reconnect_delays=(0.2, 0.5))
    try:
        options = ModemOptions(prompt_timeout=2.0, result_timeout=5.0, command_timeout=2.0)
        pool.apply([ModemSpec(f"m{i}", f"m{i}", SerialSettings(port=sim.port), options)
                    for i, sim in enumerate(sims)])  # fmt: skip
        assert wait_until(lambda: all(s.connected for s in pool.statuses()), 15)
        for i, sim in enumerate(sims):
            sim.receive_sms("+6281234567890", f"to modem {i}")
        assert wait_until(lambda: len(received) == 2, 15), received
        assert sorted((m.modem_id, m.text) for m in received) == [
            ("m0", "to modem 0"), ("m1", "to modem 1")]  # fmt: skip
        store.values["inbound.enabled"] = False
        assert service.poll_seconds() is None
    finally:
        pool.stop()
        for sim in sims:
            sim.stop()


class Store:
    """Settings as a dict (the ``Settings`` port)."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values

    def get(self, key: str) -> object:
        return self.values[key]


def test_a_listing_follows_a_notice_and_finds_what_came_unnoticed(make_rig):
    rig = make_rig()  # the periodic listing is an hour away
    rig.sim.receive_sms("+6281234567890", "noticed")
    rig.wait_received(1)
    (part,) = pdu.encode_deliver("+6281111111111", "notice lost", smsc="+6281100000")
    rig.sim.store_pdu(part)
    received = rig.wait_received(2, timeout=20)
    assert [m.text for m in received] == ["noticed", "notice lost"]
    assert wait_until(lambda: rig.sim.stored_messages() == 0, 10)
