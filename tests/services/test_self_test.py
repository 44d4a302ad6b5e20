"""The modem self-test end to end through the real driver and a bank of emulated modems:
the SMS to the modem's own number goes out on the pty, the emulator's network routes it
back to the same SIM, the driver reads it and the inbound service puts it on the bus."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from waiting import wait_until

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.message_life import InboundSms
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemBank
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.inbound import InboundService
from otpbroker.services.self_test import SelfTestError, SelfTests
from otpbroker.services.two_way_bus import TwoWayBus


class SendFailed(RuntimeError):
    pass


class Rig:
    """Two emulated modems; a driver on the first, its received SMS on a real bus."""

    def __init__(self, tmp_path: Path, wait_seconds: float) -> None:
        self.bank = ModemBank(2, seed=7, link_dir=tmp_path / "by-id", route_delay=0.2)
        self.bank.start()
        self.bus = TwoWayBus()
        self.inbound = InboundService(self.bus)
        self.worker = ModemWorker(
            "m1",
            SerialSettings(port=self.bank[0].port),
            ModemOptions(prompt_timeout=2.0, result_timeout=5.0, command_timeout=2.0),
            reconnect_delays=(0.2, 0.5),
            on_inbound=self.inbound.take,
            inbound_poll=lambda: 3600.0,
        )
        self.worker.start()
        assert wait_until(lambda: self.worker.status.connected, 15), self.worker.status
        self.numbers: dict[str, str | None] = {"m1": self.bank[0].profile.msisdn}
        self.tests = SelfTests(self.bus, self.send, self.numbers.get, wait_seconds=wait_seconds)

    def send(self, modem_id: str, number: str, text: str) -> None:
        assert modem_id == "m1"
        result = self.worker.submit_sms(encode_sms(number, text)).result(timeout=30)
        if result.outcome is not SendOutcome.SENT:
            raise SendFailed(f"not sent: {result.outcome.value}")

    def stop(self) -> None:
        self.worker.stop()
        self.bank.stop()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path, wait_seconds=20.0)
    yield made
    made.stop()


def test_the_sms_comes_back_and_the_round_trip_is_reported(rig: Rig) -> None:
    got: list[InboundSms] = []
    rig.bus.subscribe_inbound(got.append)
    started = rig.tests.start("m1")
    assert started.state == "waiting" and started.number != rig.bank[0].profile.msisdn
    result = rig.tests.wait("m1", 60)
    assert result is not None and result.state == "back", result
    assert result.sent_at is not None and result.arrived_at is not None
    assert result.round_trip is not None and result.round_trip >= 0
    assert "back after" in result.summary() and result.token in result.summary()
    (sms,) = got
    assert sms.modem_id == "m1" and sms.sender == rig.bank[0].profile.msisdn
    assert sms.text == f"OTP Broker self-test {result.token}"
    assert len(result.token) == 5 and result.token.isalnum()


def test_a_number_nobody_has_is_reported_not_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path, wait_seconds=3.0)
    try:
        rig.tests.start("m1", "+628120000000")
        result = rig.tests.wait("m1", 60)
        assert result is not None and result.state == "not-back", result
        assert result.sent_at is not None and result.arrived_at is None
        assert result.summary().startswith("not back after 3 s")
    finally:
        rig.stop()


def test_a_delivery_the_network_drops_is_reported_not_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path, wait_seconds=3.0)
    try:
        rig.bank[0].set_conditions("report-failed")
        rig.tests.start("m1")
        result = rig.tests.wait("m1", 60)
        assert result is not None and result.state == "not-back", result
    finally:
        rig.stop()


def test_no_known_number_is_refused_with_a_precise_message_and_nothing_sent(rig: Rig) -> None:
    rig.numbers["m1"] = None
    with pytest.raises(SelfTestError, match="own number \\(MSISDN\\) is not known"):
        rig.tests.start("m1")
    assert rig.tests.result("m1") is None
    assert rig.bank.deliveries == []


def test_a_message_without_the_token_or_on_another_modem_does_not_count() -> None:
    bus = TwoWayBus()
    sent = threading.Event()

    def send(modem_id: str, number: str, text: str) -> None:
        sent.set()

    tests = SelfTests(
        bus, send, lambda _m: "+6281100000001", wait_seconds=30, token=lambda: "7F3K2"
    )
    tests.start("m1")
    assert sent.wait(5)
    bus.publish_inbound(InboundSms("m2", "+6281100000001", "OTP Broker self-test 7F3K2",
                                   0.0, 1, False, 0.0))  # fmt: skip
    bus.publish_inbound(InboundSms("m1", "+6281100000001", "hello", 0.0, 1, False, 0.0))
    assert tests.result("m1").state == "waiting"  # type: ignore[union-attr]
    with pytest.raises(SelfTestError, match="already waiting"):
        tests.start("m1")
    bus.publish_inbound(InboundSms("m1", "+6281100000001", "x 7F3K2", 0.0, 1, False, 0.0))
    assert tests.result("m1").state == "back"  # type: ignore[union-attr]


def test_a_refused_send_is_reported_failed() -> None:
    def send(modem_id: str, number: str, text: str) -> None:
        raise SendFailed("no modem m9")

    tests = SelfTests(TwoWayBus(), send, lambda _m: "+6281100000001", wait_seconds=30)
    tests.start("m9")
    result = tests.wait("m9", 10)
    assert result is not None and result.state == "failed" and "no modem m9" in result.summary()
