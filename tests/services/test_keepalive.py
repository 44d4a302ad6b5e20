"""Keep-alive SMS: sent on an idle SIM after its period under a fake clock, never before,
never for an inactive modem; the number validated and normalised by the configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otpbroker.config.store import ConfigStore
from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.services.keepalive import DAY, KeepAlive
from otpbroker.services.sms import SmsRequest
from otpbroker.services.two_way_bus import TwoWayBus

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Submitted:
    """The send port: records each request, answers sent."""

    def __init__(self) -> None:
        self.requests: list[SmsRequest] = []

    def __call__(self, request: SmsRequest) -> Delivery:
        self.requests.append(request)
        return Delivery(SendOutcome.SENT, request.modem_id, 1, 1)


def modem(**fields: Any) -> dict[str, Any]:
    record = {"id": "m1", "active": True, "msisdn": "6281100000001",
              "keepalive_number": "6281299990000", "keepalive_days": 30}  # fmt: skip
    record.update(fields)
    return record


def rig(*records: dict[str, Any]) -> tuple[KeepAlive, Clock, Submitted, TwoWayBus]:
    clock, submitted, bus = Clock(), Submitted(), TwoWayBus()
    service = KeepAlive(bus, lambda: list(records), submitted, clock=clock)
    return service, clock, submitted, bus


def test_sent_after_the_idle_period_and_not_before() -> None:
    service, clock, submitted, _bus = rig(modem())
    clock.now = START + 30 * DAY - 1
    assert service.tick() == [] and submitted.requests == []
    clock.now = START + 30 * DAY
    assert service.tick() == ["m1"]
    (request,) = submitted.requests
    assert (request.msisdn, request.modem_id, request.source, request.lane) == (
        "6281299990000", "m1", "keepalive", Lane.BULK)  # fmt: skip
    assert request.text == "OTP Broker keep-alive"
    assert not any(ch.isdigit() for ch in request.text)  # never a code
    last = service.last("m1")
    assert last is not None and last.at == clock.now and last.outcome == "sent"
    assert last.number != "6281299990000"  # masked for the page
    # Not again until the next period
    clock.now += 29 * DAY
    assert service.tick() == []


def test_a_send_on_the_modem_restarts_the_idle_period() -> None:
    service, clock, submitted, bus = rig(modem(keepalive_days=1))
    clock.now = START + DAY - 10
    bus.publish_status(StatusEvent("d-1", MessageState.SENT, "rest", modem_id="m1", at=clock.now))
    clock.now = START + DAY + 10
    assert service.tick() == []
    clock.now = START + 2 * DAY - 10
    assert service.tick() == ["m1"] and len(submitted.requests) == 1


def test_nothing_for_an_inactive_modem_an_empty_number_or_own_without_msisdn() -> None:
    service, clock, submitted, _bus = rig(
        modem(id="m1", active=False),
        modem(id="m2", keepalive_number=""),
        modem(id="m3", keepalive_number="own", msisdn=""),
        modem(id="m4", keepalive_number="own"),
    )
    clock.now = START + 90 * DAY
    assert service.tick() == ["m4"]
    assert [r.msisdn for r in submitted.requests] == ["6281100000001"]


def test_a_refused_send_is_noted_and_tried_next_period() -> None:
    def refuse(request: SmsRequest) -> Delivery:
        raise ValueError("no modem m1")

    service = KeepAlive(TwoWayBus(), lambda: [modem(keepalive_days=1)], refuse, clock=Clock())
    service._clock = lambda: START + DAY  # type: ignore[method-assign]
    assert service.tick() == ["m1"]
    last = service.last("m1")
    assert last is not None and last.outcome == "not sent: no modem m1"


def port_fields(**fields: Any) -> dict[str, Any]:
    return {"name": "Modem A", "port": "/dev/ttyUSB0", **fields}


def test_the_number_is_normalised_and_a_bad_one_refused_precisely(tmp_path: Path) -> None:
    with ConfigStore(tmp_path) as store:
        record = store.add("modems", port_fields(keepalive_number="081299990000"))
        assert record["keepalive_number"] == "6281299990000"
        assert record["keepalive_days"] == 30
        own = store.add("modems", port_fields(name="B", port="/dev/ttyUSB1",
                                              keepalive_number="own"))  # fmt: skip
        assert own["keepalive_number"] == "own"
        before = store.list("modems")
        with pytest.raises(ValueError, match="keepalive_number") as bad:
            store.add("modems", port_fields(name="C", port="/dev/ttyUSB2",
                                            keepalive_number="12ab"))  # fmt: skip
        assert "'own'" in str(bad.value)
        with pytest.raises(ValueError, match="keepalive_number"):
            store.add("modems", port_fields(name="D", port="/dev/ttyUSB3",
                                            keepalive_number="0"))  # fmt: skip
        with pytest.raises(ValueError, match="keepalive_days"):
            store.add("modems", port_fields(name="E", port="/dev/ttyUSB4", keepalive_days=91))
        assert store.list("modems") == before
