"""The issue's scenario on a real broker (REST, SmsService, emulated modems): the webhook's
receiver is down (its port closed) while 100 OTPs are sent, then back on the same port:
every status event arrives, a duplicate only with the same event id, each message's events
in order, never a message text; ``/metrics`` shows the backlog and the deliveries; and a
receiver that hangs never delays a send."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from waiting import wait_until
from webhook_receiver import closed_port
from webhook_rig import FAST

from otpbroker.services.webhook_lane import Backoff

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

MESSAGES = 100
PATIENT = Backoff(first=0.05, cap=2.0)


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.add_modem()
    h.add_user()
    delivery = h.broker.two_way.delivery
    assert delivery is not None
    delivery.backoff = FAST  # before the first event: the lanes take it when made
    h.start()
    yield h
    h.stop()


def add_webhook(harness, url: str) -> dict:
    record, _ = harness.broker.webhooks.add(
        {"owner": "app", "url": url, "events": ["status"], "allow_private_address": True}
    )
    return record


def send(harness, n: int) -> None:
    status, reply, _ = harness.send_sms(f"081234{n:05d}", f"Kode OTP {n:06d}", f"otp-{n}")
    assert (status, reply["response_code"]) == (200, "0000"), reply


def metric(text: str, name: str) -> dict[tuple, float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_receiver_down_100_otps_receiver_back_every_event_once_in_order(harness, receivers):
    # The receiver stays down while 100 OTPs go out, however long a loaded machine takes:
    # 50 attempts at most 2 s apart outlast it (no event may reach the dead letters).
    harness.broker.store.set("webhooks.max_attempts", 50)
    delivery = harness.broker.two_way.delivery
    assert delivery is not None
    delivery.backoff = PATIENT  # before the webhook is added: its lane takes it when made
    port = closed_port()
    hook = add_webhook(harness, f"http://127.0.0.1:{port}/hook")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: send(harness, n), range(MESSAGES)))
    webhooks = harness.broker.webhooks
    assert wait_until(lambda: webhooks.deliveries()["failed"] >= 1, 60)
    assert wait_until(lambda: webhooks.backlogs()[hook["id"]] == 2 * MESSAGES, 60)  # 2 each
    receiver = receivers(port)
    assert wait_until(lambda: len({r.event_id for r in receiver.snapshot()}) == 2 * MESSAGES, 60)
    got = receiver.snapshot()
    bodies: dict[str, bytes] = {}
    states: dict[str, list[str]] = {}
    for one in got:
        assert bodies.setdefault(one.event_id, one.body) == one.body  # duplicate: same event
        assert b"Kode OTP" not in one.body
        seen = states.setdefault(one.event["id"], [])
        if one.event["state"] not in seen:
            seen.append(one.event["state"])
    assert states == {f"otp-{n}": ["accepted", "sent"] for n in range(MESSAGES)}
    assert wait_until(lambda: webhooks.backlogs()[hook["id"]] == 0, 60)
    _, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert metric(text, "otpbroker_webhook_backlog") == {(("webhook", hook["id"]),): 0.0}
    deliveries = metric(text, "otpbroker_webhook_deliveries_total")
    assert deliveries[(("result", "delivered"),)] >= 2 * MESSAGES
    assert deliveries[(("result", "failed"),)] >= 1
    assert deliveries[(("result", "dead"),)] == 0


def test_a_hanging_receiver_never_delays_a_send(harness, receivers):
    harness.broker.store.set("webhooks.timeout_seconds", 60)  # it hangs longer than the test
    receiver = receivers()
    receiver.answer = "hang"
    hook = add_webhook(harness, receiver.url)
    send(harness, 0)
    assert wait_until(lambda: receiver.hanging == 1)
    for n in range(1, 6):  # each answers "sent" while the receiver still hangs
        send(harness, n)
    assert receiver.hanging == 1 and not receiver.release.is_set()
    assert wait_until(lambda: harness.broker.webhooks.backlogs()[hook["id"]] == 12)
    receiver.release.set()
    receiver.answer = "ok"
    assert wait_until(lambda: len({r.event_id for r in receiver.snapshot()}) == 12, 30)
