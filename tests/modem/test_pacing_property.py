"""SIM pacing under a fake clock: no modem ever exceeds a cap, and the gap holds.

Random interleavings of sends, finished sends (some given back) and clock jumps run through
the real dispatcher and gate; every grant is logged and the caps and gaps are checked from
that log by an independent count (sliding hour, day and month from the reset time).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otpbroker.domain.delivery import Lane
from otpbroker.domain.errors import QuotaReachedError
from otpbroker.domain.sim_quota import PacingRule
from otpbroker.modem.dispatch import Dispatcher
from otpbroker.modem.pacing import PacingGate

START = datetime(2026, 1, 30, 22, 0, tzinfo=UTC).timestamp()  # a month's end nearby


class FakeClock:
    def __init__(self) -> None:
        self.now = START
        self.timers: list[tuple[float, object]] = []

    def __call__(self) -> float:
        return self.now

    def timer(self, delay: float, wake) -> None:
        self.timers.append((self.now + delay, wake))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [wake for at, wake in self.timers if at <= self.now]
        self.timers = [(at, wake) for at, wake in self.timers if at > self.now]
        for wake in due:
            wake()


@dataclass
class Grant:
    modem: str
    at: float
    recipient: int
    lane: Lane
    finished: float | None = None
    given_back: bool = False


rules = st.builds(
    PacingRule,
    min_gap=st.sampled_from([0.0, 5.0, 30.0, 600.0]),
    jitter=st.sampled_from([0.0, 3.0, 60.0]),
    per_hour=st.integers(0, 3),
    per_day=st.integers(0, 4),
    recipients_per_month=st.integers(0, 3),
    reset=st.sampled_from(["00:00", "03:30", "23:59"]),
    otp_bypass_gap=st.booleans(),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(0, 6), st.sampled_from(list(Lane)),
                  st.sets(st.integers(0, 2), min_size=1)),
        st.tuples(st.just("finish"), st.integers(0, 10), st.booleans()),
        st.tuples(st.just("advance"), st.sampled_from([1, 7, 61, 900, 3599, 3601, 20000, 86400])),
    ),
    max_size=120,
)  # fmt: skip


def window_start(at: float, reset: str, month: bool) -> tuple[int, ...]:
    """The day (or month) a send counts in: its time shifted back by the reset time."""
    shifted = datetime.fromtimestamp(at - int(reset[:2]) * 3600 - int(reset[3:]) * 60, UTC)
    return (shifted.year, shifted.month) if month else (shifted.year, shifted.month, shifted.day)


def check(grants: list[Grant], modem_rules: dict[str, PacingRule]) -> None:
    by_modem: dict[str, list[Grant]] = defaultdict(list)
    for grant in grants:
        by_modem[grant.modem].append(grant)
    for modem, mine in by_modem.items():
        rule = modem_rules[modem]
        counted = [g for g in mine if not g.given_back]
        if rule.per_hour:
            for g in counted:
                in_hour = [h for h in counted if g.at - 3600 < h.at <= g.at]
                assert len(in_hour) <= rule.per_hour, (modem, rule, g.at)
        days: dict[tuple[int, ...], int] = defaultdict(int)
        months: dict[tuple[int, ...], set[int]] = defaultdict(set)
        for g in counted:
            days[window_start(g.at, rule.reset, False)] += 1
            months[window_start(g.at, rule.reset, True)].add(g.recipient)
        if rule.per_day:
            assert max(days.values(), default=0) <= rule.per_day, (modem, rule, days)
        if rule.recipients_per_month:
            assert all(len(s) <= rule.recipients_per_month for s in months.values()), months
        for before, after in pairwise(mine):
            gapped = after.lane is Lane.BULK or not rule.otp_bypass_gap
            assert before.finished is not None  # one send per modem at a time
            if gapped:
                assert after.at >= before.finished + rule.min_gap, (modem, rule, before, after)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modem_rules=st.lists(rules, min_size=3, max_size=3), ops=operations)
def test_no_modem_ever_exceeds_a_cap_and_the_gap_holds(modem_rules, ops) -> None:
    clock = FakeClock()
    gate = PacingGate(clock=clock, tz=UTC, timer=clock.timer)
    names = ["m0", "m1", "m2"]
    rule_of = dict(zip(names, modem_rules, strict=True))
    gate.configure(rule_of)
    dispatcher = Dispatcher(gate)
    for name in names:
        dispatcher.set_ready(name, True)
    grants: list[Grant] = []
    busy: dict[str, Grant] = {}
    for op in ops:
        if op[0] == "send":
            _kind, recipient, lane, chosen = op
            choices = [names[i] for i in sorted(chosen)]
            try:
                modem = dispatcher.acquire(choices, 0, gate.ticket(f"62812{recipient}", lane))
            except QuotaReachedError as refused:
                assert refused.retry_after >= 1
                assert all(gate.back_at(m) is not None for m in choices)  # all really capped
                continue
            if modem is not None:
                assert modem not in busy
                busy[modem] = Grant(modem, clock.now, recipient, lane)
                grants.append(busy[modem])
        elif op[0] == "finish" and busy:
            _kind, index, give_back = op
            modem = sorted(busy)[index % len(busy)]
            grant = busy.pop(modem)
            gate.finish(modem, give_back=give_back)
            grant.finished, grant.given_back = clock.now, give_back
            dispatcher.release(modem)
        elif op[0] == "advance":
            clock.advance(op[1])
    for modem, grant in busy.items():
        grant.finished = clock.now
        gate.finish(modem, give_back=False)
    check(grants, rule_of)


def test_concurrent_sends_from_many_threads_never_exceed_a_cap() -> None:
    """Sixteen threads race for three modems whose caps are far below the demand."""
    clock = FakeClock()
    gate = PacingGate(clock=clock, tz=UTC, timer=clock.timer)
    caps = {"a": PacingRule(per_hour=7), "b": PacingRule(per_day=5),
            "c": PacingRule(recipients_per_month=3)}  # fmt: skip
    gate.configure(caps)
    dispatcher = Dispatcher(gate)
    for name in caps:
        dispatcher.set_ready(name, True)
    taken: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()
    refused = threading.Event()

    def sender(worker: int) -> None:
        for n in range(20):
            recipient = (worker * 20 + n) % 11
            try:
                modem = dispatcher.acquire(["a", "b", "c"], 5.0, gate.ticket(str(recipient)))
            except QuotaReachedError:
                refused.set()
                return
            assert modem is not None
            with lock:
                taken[modem].append(recipient)
            gate.finish(modem, give_back=False)
            dispatcher.release(modem)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert refused.is_set()  # the demand did reach every cap
    assert len(taken["a"]) == 7 and len(taken["b"]) == 5
    assert len(set(taken["c"])) == 3
