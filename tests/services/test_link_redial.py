"""Redial with back-off (services.link_redial): a fake clock and a fake link control whose
pppd comes up, drops and fails as each test says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from otpbroker.services.link_redial import REDIAL_DELAYS, STABLE_SECONDS, LinkRedial

MODEM = {"id": "m1", "name": "Stick"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeLinks:
    """The internet control: ``connect`` starts "pppd" (state ``dialling``); the test then
    says whether the dial comes ``up`` or ends (``down``)."""

    def __init__(self) -> None:
        self.available = True
        self.state = "down"
        self.connects: list[float] = []
        self.disconnects = 0
        self.refuse: str | None = None
        self.clock: Clock | None = None

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.connects.append(self.clock.now if self.clock else 0.0)
        self.state = "dialling"
        return self.status(record)

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        self.disconnects += 1
        self.state = "down"
        return self.status(record)

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {"up": self.state == "up", "pid": None if self.state == "down" else 42,
                "problem": "the operator stopped answering" if self.state == "down" else None}  # fmt: skip


@pytest.fixture
def rig() -> tuple[LinkRedial, FakeLinks, Clock]:
    clock, links = Clock(), FakeLinks()
    links.clock = clock
    redial = LinkRedial(links, clock=clock, wall=lambda: 1_700_000_000.0 + clock.now,
                        check_seconds=3600)  # fmt: skip
    yield redial, links, clock
    redial.stop()


def run_for(redial: LinkRedial, clock: Clock, seconds: float, step: float = 1.0) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        redial.tick()


def dropped_then_redialled(redial: LinkRedial, links: FakeLinks, clock: Clock) -> float:
    """pppd runs (up or dialling), then ends; how long from the check that notices it
    until the next dial."""
    clock.now += 1.0
    redial.tick()
    links.state = "down"
    clock.now += 1.0
    redial.tick()
    dropped, before = clock.now, len(links.connects)
    while len(links.connects) == before:
        clock.now += 1.0
        redial.tick()
        assert clock.now - dropped < 1000, "no redial"
    return links.connects[-1] - dropped


def test_a_dropped_link_is_redialled_after_10_20_40_up_to_5_minutes(rig) -> None:
    redial, links, clock = rig
    redial.connect(MODEM)
    links.state = "up"
    run_for(redial, clock, 30)
    waits = []
    for _ in range(len(REDIAL_DELAYS) + 2):  # every dial fails at once
        waits.append(dropped_then_redialled(redial, links, clock))
    assert waits == [*REDIAL_DELAYS, REDIAL_DELAYS[-1], REDIAL_DELAYS[-1]]
    assert REDIAL_DELAYS[:3] == (10.0, 20.0, 40.0) and REDIAL_DELAYS[-1] == 300.0
    assert redial.status(MODEM)["redials"] == len(waits)


def test_a_link_that_stays_up_starts_the_back_off_again(rig) -> None:
    redial, links, clock = rig
    redial.connect(MODEM)
    for _ in range(3):
        dropped_then_redialled(redial, links, clock)
    links.state = "up"
    run_for(redial, clock, STABLE_SECONDS - 10)
    assert dropped_then_redialled(redial, links, clock) == REDIAL_DELAYS[3]  # not stable yet
    links.state = "up"
    run_for(redial, clock, STABLE_SECONDS + 1)
    assert dropped_then_redialled(redial, links, clock) == REDIAL_DELAYS[0]


def test_a_dial_in_progress_is_never_interrupted_by_a_redial(rig) -> None:
    redial, links, clock = rig
    redial.connect(MODEM)  # "dialling": pppd runs, no address yet
    run_for(redial, clock, 600)
    assert len(links.connects) == 1


def test_status_tells_state_change_redials_and_the_next_wait(rig) -> None:
    redial, links, clock = rig
    assert redial.status(MODEM) == {**links.status(MODEM), "wanted": False, "redials": 0,
                                    "since": None, "next_redial_seconds": None}  # fmt: skip
    redial.connect(MODEM)
    links.state = "up"
    run_for(redial, clock, 5)
    up_at = redial.status(MODEM)["since"]
    assert up_at == 1_700_000_000.0 + clock.now - 4
    links.state = "down"
    run_for(redial, clock, 3)
    status = redial.status(MODEM)
    assert status["since"] == up_at + 5 and status["next_redial_seconds"] == REDIAL_DELAYS[0] - 2
    assert status["problem"] == "the operator stopped answering" and status["wanted"]


def test_disconnect_ends_the_redials(rig) -> None:
    redial, links, clock = rig
    redial.connect(MODEM)
    redial.disconnect(MODEM)
    run_for(redial, clock, 900)
    assert len(links.connects) == 1 and links.disconnects == 1
    assert redial.status(MODEM)["wanted"] is False


def test_a_refused_redial_is_tried_again_after_the_next_wait(rig, caplog) -> None:
    redial, links, clock = rig
    redial.connect(MODEM)
    links.state, links.refuse = "down", "the privileged helper is not running"
    run_for(redial, clock, REDIAL_DELAYS[0] + REDIAL_DELAYS[1] + 1)
    assert "redial failed: the privileged helper is not running" in caplog.text
    assert redial.status(MODEM)["redials"] == 2
    links.refuse = None
    run_for(redial, clock, REDIAL_DELAYS[2])
    assert len(links.connects) == 2  # the first connect and this one


def test_a_refused_connect_keeps_nothing_wanted(rig) -> None:
    redial, links, _ = rig
    links.refuse = "Internet access is off"
    with pytest.raises(RuntimeError, match="Internet access is off"):
        redial.connect(MODEM)
    assert redial.status(MODEM)["wanted"] is False


def test_the_thread_redials_and_ends_when_nothing_is_wanted() -> None:
    from waiting import wait_until

    links = FakeLinks()
    redial = LinkRedial(links, delays=(0.05,), check_seconds=0.02)
    try:
        redial.connect(MODEM)
        links.state = "down"
        assert wait_until(lambda: len(links.connects) >= 2, 10)
        redial.disconnect(MODEM)
        assert wait_until(lambda: redial._thread is None, 10)
    finally:
        redial.stop()


def test_metrics_show_each_kept_link_up_or_not_and_its_redials(rig) -> None:
    from otpbroker.web.metrics_uplink import link_lines

    redial, links, clock = rig
    assert link_lines(redial) == []  # nothing kept up: no lines
    redial.connect(MODEM)
    links.state = "up"
    run_for(redial, clock, 2)
    assert 'otpbroker_mobile_link_up{modem="m1"} 1' in link_lines(redial)
    dropped_then_redialled(redial, links, clock)
    lines = link_lines(redial)
    assert 'otpbroker_mobile_link_up{modem="m1"} 0' in lines
    assert 'otpbroker_mobile_link_redials_total{modem="m1"} 1' in lines
    assert "# TYPE otpbroker_mobile_link_redials_total counter" in lines
