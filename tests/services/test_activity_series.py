"""The activity series behind the charts: buckets of the last hour and day per modem, what
counts as sent, failed, delivered and received, gauges, bounds, threads and the sampler."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from waiting import wait_until

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.services.activity_sampler import ActivitySampler
from otpbroker.services.activity_series import DAY, HOUR, OTHER, ActivitySeries
from otpbroker.services.events import SmsEvent

START = 1_800_000_000.0  # a multiple of 900: the first bucket of both windows starts here


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sms(outcome: str, modem: str | None = "m1", duration: float = 2.0, kind: str = "sms"):
    return SmsEvent(START, "rest", "app", "62812****666", modem, outcome, duration, "0000",
                    kind=kind)  # fmt: skip


def status(state: MessageState, modem: str | None = "m1") -> StatusEvent:
    return StatusEvent("msg-1", state, "rest", modem_id=modem)


def test_outcomes_are_counted_per_modem_in_the_current_minute_and_quarter():
    clock = Clock(START + 30)
    series = ActivitySeries(clock)
    for outcome in ("sent", "sent", "failed", "expired", "unknown", "rejected", "duplicate"):
        series.on_sms(sms(outcome))
    series.on_sms(sms("sent", modem="m2"))
    series.on_sms(sms("failed", kind="login"))  # not a request: not counted
    series.on_sms(sms("failed", modem=None))  # no modem could take it
    hour, day = series.view(HOUR), series.view(DAY)
    assert hour.modems == ("m1", "m2", "none")
    assert hour.counts("sent")["m1"][-1] == 2 and sum(hour.counts("sent")["m1"]) == 2
    assert hour.counts("failed")["m1"][-1] == 3  # failed, expired and unknown
    assert hour.total("failed") == {"m1": 3, "m2": 0, "none": 1}
    assert day.total("sent") == {"m1": 2, "m2": 1, "none": 0}
    assert hour.starts[-1] == START and len(hour.starts) == 60
    assert day.starts[-1] == START and len(day.starts) == 96
    assert hour.starts[1] - hour.starts[0] == 60 and day.starts[1] - day.starts[0] == 900


def test_reports_and_received_sms_are_counted_and_kept_in_the_totals():
    series = ActivitySeries(Clock())
    for state in (MessageState.DELIVERED, MessageState.DELIVERED, MessageState.NOT_DELIVERED,
                  MessageState.SENT, MessageState.ACCEPTED):  # fmt: skip
        series.on_status(status(state))
    series.on_inbound(InboundSms("m2", "+628111", "STOP", START))
    view = series.view(HOUR)
    assert view.total("delivered") == {"m1": 2, "m2": 0}
    assert view.total("not_delivered") == {"m1": 1, "m2": 0}
    assert view.total("inbound") == {"m1": 0, "m2": 1}
    assert series.totals() == {("delivered", "m1"): 2, ("not_delivered", "m1"): 1,
                               ("inbound", "m2"): 1}  # fmt: skip
    assert series.delivery_ratio() == {"m1": 2 / 3}  # m2 had no report: left out


def test_buckets_leave_the_hour_then_the_day_but_the_totals_stay():
    clock = Clock()
    series = ActivitySeries(clock)
    series.on_sms(sms("sent"))
    clock.now += 59 * 60
    assert series.view(HOUR).total("sent") == {"m1": 1}
    assert series.view(HOUR).counts("sent")["m1"][0] == 1  # now the oldest minute
    clock.now += 60
    assert series.view(HOUR).total("sent") == {}
    assert series.view(DAY).total("sent") == {"m1": 1}
    clock.now = START + DAY.seconds
    assert series.view(DAY).total("sent") == {}
    assert series.totals() == {("sent", "m1"): 1}
    assert series.delivery_ratio() == {}


def test_memory_stays_bounded_over_days_of_traffic():
    clock = Clock()
    series = ActivitySeries(clock)
    for _ in range(3 * 24 * 60):  # three days, one event and one sample a minute
        series.on_sms(sms("sent"))
        series.sample({"m1": 1}, {"m1": 60})
        clock.now += 60
    cells = series._cells  # the store itself: how many buckets are kept
    assert len(cells["hour"]) <= HOUR.count and len(cells["day"]) <= DAY.count
    # the clock is at the start of a new quarter: 95 full quarters of 15 a quarter are kept
    assert series.view(DAY).total("sent") == {"m1": (DAY.count - 1) * 15}


def test_gauges_keep_mean_and_peak_and_say_none_where_nothing_was_read():
    clock = Clock()
    series = ActivitySeries(clock)
    series.sample({"m1": 1, "m2": 0}, {"m1": 40, "m2": None})
    series.sample({"m1": 5}, {"m1": 60})
    series.on_sms(sms("sent", duration=1.0))
    series.on_sms(sms("sent", duration=3.0))
    series.on_sms(sms("failed", duration=30.0))  # a failure's time is not a send time
    clock.now += 120
    view = series.view(HOUR)
    assert view.gauge("queue", "max")["m1"][-3:] == [5.0, None, None]
    assert view.gauge("queue", "mean")["m1"][-3] == 3.0
    assert view.gauge("signal")["m1"][-3] == 50.0
    assert "m2" not in view.gauge("signal")  # no reading at all: no line
    assert view.gauge("latency")["m1"][-3] == 2.0


def test_past_the_modem_limit_the_rest_count_as_other():
    series = ActivitySeries(Clock(), max_modems=2)
    for modem in ("a", "b", "c", "d", "a"):
        series.on_sms(sms("sent", modem=modem))
    assert series.view(HOUR).total("sent") == {"a": 2, "b": 1, OTHER: 2}


def test_listeners_on_many_threads_lose_nothing():
    series = ActivitySeries()
    per_thread, threads = 500, 8

    def work(n: int) -> None:
        for _ in range(per_thread):
            series.on_sms(sms("sent", modem=f"m{n % 2}"))
            series.on_status(status(MessageState.DELIVERED, modem=f"m{n % 2}"))
            series.view(HOUR)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    totals = series.totals()
    assert totals[("sent", "m0")] + totals[("sent", "m1")] == per_thread * threads
    assert totals[("delivered", "m0")] == per_thread * threads // 2


class Pool:
    def __init__(self) -> None:
        self.depths = {"m1": 2}
        self.calls = 0

    def queue_depths(self) -> dict[str, int]:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("pool busy")  # one failed reading: the next is taken anyway
        return dict(self.depths)

    def statuses(self) -> list:
        return [SimpleNamespace(modem_id="m1", network=SimpleNamespace(signal_percent=70)),
                SimpleNamespace(modem_id="m2", network=SimpleNamespace(signal_percent=None))]  # fmt: skip


def test_the_sampler_reads_queue_and_signal_until_stopped():
    series, pool = ActivitySeries(), Pool()
    sampler = ActivitySampler(series, pool, every=0.05)
    sampler.sample()
    view = series.view(HOUR)
    assert view.gauge("queue", "max") == {"m1": [None] * 59 + [2.0], "m2": [None] * 59 + [0.0]}
    assert view.gauge("signal")["m1"][-1] == 70.0 and "m2" not in view.gauge("signal")
    sampler.start()
    assert wait_until(lambda: pool.calls >= 4, timeout=10)
    sampler.stop()
    calls = pool.calls
    assert not any(t.name == "activity-sampler" for t in threading.enumerate())
    assert pool.calls == calls
