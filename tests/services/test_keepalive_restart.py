"""Keep-alive idleness across restarts: a new KeepAlive over the same file keeps counting
from the last send (or from when the modem was first seen), so a device restarting more often
than ``keepalive_days`` still sends it; the file holds ids and times only; sends are saved by
the service's own thread, at most once a minute per modem; a damaged file is ignored."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from otpbroker.config.keepalive_file import FILE_NAME, KeepAliveFile
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.services.keepalive import DAY, SAVE_SECONDS, TEXT, KeepAlive
from otpbroker.services.sms import SmsRequest
from otpbroker.services.two_way_bus import TwoWayBus

START = 1_800_000_000.0
NUMBER = "6281299990000"
OWN = "6281100000001"
RECORD = {"id": "m1", "active": True, "msisdn": OWN, "keepalive_number": NUMBER,
          "keepalive_days": 3}  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Submitted:
    def __init__(self) -> None:
        self.requests: list[SmsRequest] = []

    def __call__(self, request: SmsRequest) -> Delivery:
        self.requests.append(request)
        return Delivery(SendOutcome.SENT, request.modem_id, 1, 1)


def boot(path: Path, clock: Clock, **kwargs: Any) -> tuple[KeepAlive, Submitted, TwoWayBus]:
    """A broker start: a new bus and service over the same file."""
    submitted, bus = Submitted(), TwoWayBus()
    service = KeepAlive(bus, lambda: [dict(RECORD)], submitted, clock=clock,
                        times=KeepAliveFile(path), **kwargs)  # fmt: skip
    return service, submitted, bus


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_daily_restarts_do_not_reset_the_idleness(tmp_path: Path) -> None:
    path, clock = tmp_path / FILE_NAME, Clock()
    for day in range(3):  # three days, one restart a day, no send
        clock.now = START + day * DAY
        service, submitted, _bus = boot(path, clock)
        assert service.tick() == [] and submitted.requests == []
    clock.now = START + 3 * DAY
    service, submitted, _bus = boot(path, clock)
    assert service.tick() == ["m1"]
    assert [(r.msisdn, r.text) for r in submitted.requests] == [(NUMBER, TEXT)]
    # The keep-alive itself was saved: the next start does not send it again
    clock.now += 1
    service, submitted, _bus = boot(path, clock)
    assert service.tick() == [] and submitted.requests == []


def test_a_send_survives_a_restart_through_the_services_thread(tmp_path: Path) -> None:
    path, clock = tmp_path / FILE_NAME, Clock()
    service, _submitted, bus = boot(path, clock, check_seconds=3600)
    service.start()
    try:
        wait_for(lambda: KeepAliveFile(path).load() == {"m1": START}, "the first-seen time")
        sent_at = START + 2 * DAY
        bus.publish_status(StatusEvent("d-1", MessageState.SENT, "rest", modem_id="m1",
                                       recipient=NUMBER, at=sent_at))  # fmt: skip
        wait_for(lambda: KeepAliveFile(path).load() == {"m1": sent_at}, "the send saved")
    finally:
        service.stop()
    clock.now = START + 3 * DAY + 1  # 3 days after the start but 1 after the send
    service, submitted, _bus = boot(path, clock)
    assert service.tick() == [] and submitted.requests == []
    clock.now = sent_at + 3 * DAY
    assert service.tick() == ["m1"]
    text = path.read_text(encoding="utf-8")
    for secret in (NUMBER, OWN, NUMBER[-6:], TEXT, "rest"):
        assert secret not in text  # ids and times only


def test_saves_are_throttled_per_modem_and_the_bus_thread_never_writes(tmp_path: Path) -> None:
    path, clock = tmp_path / FILE_NAME, Clock()
    writes: list[tuple[str, dict[str, float]]] = []

    class Recording(KeepAliveFile):
        def save(self, times: Any) -> None:
            writes.append((threading.current_thread().name, dict(times)))
            super().save(times)

    service = KeepAlive(TwoWayBus(), lambda: [dict(RECORD)], Submitted(), clock=clock,
                        times=Recording(path))  # fmt: skip
    bus = service._on_status  # the bus's listener, called in the producer's thread
    bus(StatusEvent("d-1", MessageState.SENT, "rest", modem_id="m1", at=START + 10))
    assert writes == []  # not on the producer's thread
    service.save()
    bus(StatusEvent("d-2", MessageState.SENT, "rest", modem_id="m1", at=START + 20))
    service.save()  # within SAVE_SECONDS of the saved one: not written again
    assert [w[1] for w in writes] == [{"m1": START + 10}]
    bus(StatusEvent("d-3", MessageState.SENT, "rest", modem_id="m1", at=START + 10 + SAVE_SECONDS))
    service.save()
    assert [w[1] for w in writes][-1] == {"m1": START + 10 + SAVE_SECONDS}
    assert threading.current_thread().name not in {"keepalive"}


def test_a_damaged_file_is_ignored_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / FILE_NAME, Clock()
    path.write_text('{"version": 1, "modems": {"m1": 17', encoding="utf-8")  # torn
    with caplog.at_level(logging.ERROR):
        service, submitted, _bus = boot(path, clock)
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    clock.now = START + 3 * DAY - 1  # counted from this start, not from 17
    assert service.tick() == [] and submitted.requests == []
    assert KeepAliveFile(path).load() == {"m1": START}


def test_without_a_file_it_is_memory_only(tmp_path: Path) -> None:
    clock = Clock()
    service = KeepAlive(TwoWayBus(), lambda: [dict(RECORD)], Submitted(), clock=clock)
    service.save()
    clock.now = START + 3 * DAY
    assert service.tick() == ["m1"]
    assert list(tmp_path.iterdir()) == []
