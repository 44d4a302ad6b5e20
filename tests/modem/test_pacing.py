"""The pacing gate: windows reset at the configured time, the month rolls over on day 1, a
gap ends in a timed re-grant, a failed send is given back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from otpbroker.domain.delivery import Lane
from otpbroker.domain.errors import QuotaReachedError
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.domain.sim_quota import PacingRule, parse_reset
from otpbroker.modem.dispatch import Dispatcher
from otpbroker.modem.pacing import PacingGate, nothing_written, quota_route


class Clock:
    def __init__(self, when: datetime) -> None:
        self.now = when.timestamp()
        self.timers: list[tuple[float, object]] = []

    def __call__(self) -> float:
        return self.now

    def timer(self, delay: float, wake) -> None:
        self.timers.append((delay, wake))

    def at(self, when: datetime) -> None:
        self.now = when.timestamp()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def gate_with(clock: Clock, **rule: object) -> tuple[PacingGate, Dispatcher]:
    gate = PacingGate(clock=clock, tz=UTC, timer=clock.timer)
    gate.configure({"a": PacingRule(**rule)})  # type: ignore[arg-type]
    dispatcher = Dispatcher(gate)
    dispatcher.set_ready("a", True)
    return gate, dispatcher


def send(gate: PacingGate, dispatcher: Dispatcher, number: str = "628120000001",
         lane: Lane = Lane.OTP, give_back: bool = False) -> str | None:  # fmt: skip
    modem = dispatcher.acquire(["a"], 0, gate.ticket(number, lane))
    if modem is not None:
        gate.finish(modem, give_back=give_back)
        dispatcher.release(modem)
    return modem


def test_the_day_restarts_at_the_configured_reset_time() -> None:
    clock = Clock(utc(2026, 3, 10, 5, 0))
    gate, dispatcher = gate_with(clock, per_day=2, reset="05:30")
    assert send(gate, dispatcher) == send(gate, dispatcher) == "a"
    with pytest.raises(QuotaReachedError) as refused:
        send(gate, dispatcher)
    assert refused.value.retry_after == 30 * 60  # until 05:30
    assert gate.back_at("a") == utc(2026, 3, 10, 5, 30).timestamp()
    clock.at(utc(2026, 3, 10, 5, 29, 59))
    with pytest.raises(QuotaReachedError):
        send(gate, dispatcher)
    clock.at(utc(2026, 3, 10, 5, 30))
    assert send(gate, dispatcher) == "a" and gate.back_at("a") is None


def test_the_hour_is_a_sliding_sixty_minutes() -> None:
    clock = Clock(utc(2026, 3, 10, 9, 59, 30))
    gate, dispatcher = gate_with(clock, per_hour=1)
    assert send(gate, dispatcher) == "a"
    clock.now += 3599
    with pytest.raises(QuotaReachedError) as refused:
        send(gate, dispatcher)  # a calendar hour would have reset at 10:00
    assert refused.value.retry_after == 1
    clock.now += 1
    assert send(gate, dispatcher) == "a"


def test_the_month_of_recipients_rolls_over_on_day_one_at_the_reset_time() -> None:
    clock = Clock(utc(2026, 1, 31, 20, 0))
    gate, dispatcher = gate_with(clock, recipients_per_month=2, reset="03:30")
    assert send(gate, dispatcher, "628111") == send(gate, dispatcher, "628222") == "a"
    assert send(gate, dispatcher, "628111") == "a"  # a known number still goes out
    with pytest.raises(QuotaReachedError) as refused:
        send(gate, dispatcher, "628333")
    assert refused.value.retry_after == 7 * 3600 + 30 * 60  # February 1st, 03:30
    clock.at(utc(2026, 2, 1, 3, 29))
    with pytest.raises(QuotaReachedError):
        send(gate, dispatcher, "628333")  # still January's window
    clock.at(utc(2026, 2, 1, 3, 30))
    assert send(gate, dispatcher, "628333") == "a"
    view = gate.views()[0]
    assert view.recipients == 1 and view.month_reset == utc(2026, 3, 1, 3, 30).timestamp()


def test_a_december_month_rolls_into_the_next_year() -> None:
    clock = Clock(utc(2026, 12, 31, 23, 0))
    gate, dispatcher = gate_with(clock, recipients_per_month=1)
    assert send(gate, dispatcher, "628111") == "a"
    assert gate.back_at("a") == utc(2027, 1, 1).timestamp()


def test_a_send_that_wrote_nothing_is_given_back() -> None:
    clock = Clock(utc(2026, 3, 10, 12, 0))
    gate, dispatcher = gate_with(clock, per_day=1, recipients_per_month=1)
    assert send(gate, dispatcher, "628111", give_back=True) == "a"
    assert send(gate, dispatcher, "628222") == "a"  # the first was given back
    with pytest.raises(QuotaReachedError):
        send(gate, dispatcher, "628222")
    failed = Delivery(SendOutcome.FAILED, "a", error_code="NO_PROMPT")
    assert nothing_written(failed)
    assert not nothing_written(Delivery(SendOutcome.FAILED, "a", error_code="CMS500"))
    assert not nothing_written(Delivery(SendOutcome.UNKNOWN, "a", error_code="TIMEOUT"))
    assert not nothing_written(None)


def test_a_bulk_send_waits_for_the_gap_and_is_granted_when_it_ends() -> None:
    clock = Clock(utc(2026, 3, 10, 12, 0))
    gate, dispatcher = gate_with(clock, min_gap=30, jitter=0, otp_bypass_gap=True)
    assert send(gate, dispatcher, lane=Lane.BULK) == "a"
    assert send(gate, dispatcher, lane=Lane.OTP) == "a"  # an OTP skips the gap
    got: list[str | None] = []
    waiter = threading.Thread(
        target=lambda: got.append(dispatcher.acquire(["a"], 30, gate.ticket("6281", Lane.BULK)))
    )
    waiter.start()
    while not clock.timers:
        threading.Event().wait(0.01)
    delay, wake = clock.timers[-1]
    assert delay == 30 and not got
    clock.now += delay
    wake()
    waiter.join(10)
    assert got == ["a"]


def test_without_the_bypass_an_otp_waits_for_the_gap_too() -> None:
    clock = Clock(utc(2026, 3, 10, 12, 0))
    gate, dispatcher = gate_with(clock, min_gap=5, jitter=2, otp_bypass_gap=False)
    assert send(gate, dispatcher) == "a"
    assert send(gate, dispatcher) is None
    clock.now += 7
    assert send(gate, dispatcher) == "a"


def test_a_capped_route_is_out_of_routing_with_when_it_comes_back() -> None:
    clock = Clock(utc(2026, 3, 10, 12, 0))
    gate, dispatcher = gate_with(clock, per_hour=1)
    route = ModemRoute("a", default=True)
    assert quota_route(gate, route) is route
    send(gate, dispatcher)
    out = quota_route(gate, route)
    assert not out.healthy and out.reason == "quota" and "back at" in out.reason_text
    assert out.back_at == clock.now + 3600
    assert gate.refused_total() == {}
    with pytest.raises(QuotaReachedError):
        send(gate, dispatcher)
    assert gate.refused_total() == {"a": 1}


@pytest.mark.parametrize("text", ["24:00", "7:30", "07:60", "0730", ""])
def test_a_reset_time_must_be_hh_mm(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_reset(text)
