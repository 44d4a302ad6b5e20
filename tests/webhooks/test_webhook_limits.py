"""The back-off's growth, cap and jitter, and the age limit: an event older than
``webhooks.max_age_seconds`` goes to the dead letters without another attempt."""

from __future__ import annotations

import time

from waiting import wait_until
from webhook_rig import FAST

from otpbroker.services.webhook_lane import Backoff, Lane, Pending


def test_the_back_off_doubles_to_its_cap_with_jitter():
    backoff = Backoff(first=1.0, cap=300.0)
    for failures, base in ((1, 1), (2, 2), (3, 4), (6, 32), (9, 256), (10, 300), (40, 300)):
        delays = [backoff.delay(failures) for _ in range(200)]
        assert all(base * 0.5 <= d <= base for d in delays), (failures, min(delays), max(delays))
        assert len(set(delays)) > 1  # jittered


def test_an_event_older_than_the_age_limit_is_buried_unposted(rig, receivers):
    rig.store.set("webhooks.max_age_seconds", 60)
    receiver = receivers()
    hook = rig.add(receiver.url)
    old = Pending(hook["id"], "e-old", "status", "m-old", b"{}", time.monotonic() - 61, 0.0)
    fresh = Pending(hook["id"], "e-new", "status", "m-new", b"{}", time.monotonic(), 0.0)
    lane = Lane(hook["id"], rig.delivery, FAST, 10)
    lane.push(old)
    lane.push(fresh)
    lane.start()
    try:
        assert wait_until(lambda: len(receiver.snapshot()) == 1)
        assert [r.event_id for r in receiver.snapshot()] == ["e-new"]
        [letter] = rig.webhooks.dead_letters()
        assert (letter["event_id"], letter["attempts"]) == ("e-old", 0)
        assert letter["reason"] == "older than 60 s"
    finally:
        lane.halt()
        lane.join(5)
