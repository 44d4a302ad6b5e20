"""Anti-pumping limits against a real broker and an emulated modem.

1,000 REST requests spread over one number range (62812345xxxx, random last 4 digits) with
a prefix limit of 50 per hour: exactly 50 reach the modem, the other 950 are refused with
1106, 429 and ``Retry-After``, counted with reason ``prefix`` on ``/metrics`` and as
``refused`` events; a number outside the lists gets 1107; a feeder's dispatch refuses the
same way.
"""

from __future__ import annotations

import json
import queue
import random
import re
from collections.abc import Iterator

import pytest
from broker_harness import BrokerHarness

from otpbroker.domain.pumping import REASONS
from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.base import forget_redeliveries
from otpbroker.web.openapi import openapi_document

THRESHOLD = 50
REQUESTS = 1000
LIMITS = {  # the product defaults, but 50 per prefix and hour
    "limits.recipient_per_hour": 5,
    "limits.recipient_per_day": 10,
    "limits.prefix_digits": 4,
    "limits.prefix_per_hour": THRESHOLD,
    "limits.user_per_minute": 60,
    "limits.user_per_hour": 1000,
    "limits.denied_prefixes": ["62899"],
}


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.add_user()
    h.broker.store.update_settings(LIMITS)
    h.start()
    yield h
    h.stop()


def refused_total(text: str, reason: str) -> int:
    match = re.search(rf'^otpbroker_sms_refused_total{{reason="{reason}"}} (\d+)$', text, re.M)
    assert match is not None, reason
    return int(match.group(1))


def test_a_thousand_requests_over_one_prefix_stop_at_the_threshold(harness):
    picks = random.Random(16)
    numbers = [f"62812345{picks.randrange(10000):04d}" for _ in range(REQUESTS)]
    answers = [harness.send_sms(number, "Kode OTP 918273") for number in numbers]
    statuses = [status for status, _body, _headers in answers]
    assert statuses == [200] * THRESHOLD + [429] * (REQUESTS - THRESHOLD)
    sim = harness.sims[0]
    assert len(sim.deliveries) == THRESHOLD
    assert sorted(d.to.lstrip("+") for d in sim.deliveries) == sorted(numbers[:THRESHOLD])
    for _status, body, headers in answers[THRESHOLD:]:
        assert body["response_code"] == "1106" and body["data"]["reason"] == "prefix"
        wait = body["data"]["retry_after"]
        assert 0 < wait <= 3600 and headers["Retry-After"] == str(wait)
        assert "918273" not in json.dumps(body)
    metrics = harness.request("/metrics", method="GET", auth=None)[1]
    assert refused_total(metrics, "prefix") == REQUESTS - THRESHOLD
    assert refused_total(metrics, "recipient") == refused_total(metrics, "user") == 0
    assert f'outcome="sent",modem="{harness.modem_ids[0]}"}} {THRESHOLD}' in metrics
    assert 'otpbroker_requests_total{kind="sms",outcome="refused",modem="none"} 950' in metrics
    recent = [e for e in harness.broker.events.recent() if e.outcome == "refused"]
    assert len(recent) >= 100 and all(e.code == "prefix" and e.modem_id is None for e in recent)
    assert all(re.fullmatch(r"6281\*{6}\d\d", e.recipient) for e in recent)


def test_a_denied_prefix_is_not_allowed_over_rest(harness):
    status, body, headers = harness.send_sms("08991234567", "Kode OTP 1")
    assert (status, body["response_code"], body["data"]) == (
        403,
        "1107",
        {"reason": "prefix_denied"},
    )
    assert "Retry-After" not in headers
    assert body["response_text"].startswith("6289******67 may not be sent to")
    assert harness.sims[0].deliveries == []


def test_a_feeders_dispatch_refuses_the_same_way(harness):
    forget_redeliveries()
    feeder = RabbitMqFeeder(harness.broker.processor, {"queue": "unused"}, concurrency=1)
    try:
        items = [{"receiver": f"081234567{n:03d}", "message": "Kode OTP 55", "id": f"f{n}"}
                 for n in range(THRESHOLD + 5)]  # fmt: skip
        answered: queue.Queue[list] = queue.Queue()
        feeder.dispatch_async(json.dumps({"data": items}).encode(), answered.put)
        replies = answered.get(timeout=60)
    finally:
        feeder.stop()
    assert [r.code.response_code for r in replies] == ["0000"] * THRESHOLD + ["1106"] * 5
    assert all(r.data and r.data["reason"] == "prefix" for r in replies[THRESHOLD:])
    assert feeder.status.rejected == 5 and feeder.status.processed == THRESHOLD
    assert len(harness.sims[0].deliveries) == THRESHOLD
    refused = [e for e in harness.broker.events.recent() if e.outcome == "refused"]
    assert [e.source for e in refused] == ["rabbitmq"] * 5


def test_the_openapi_document_names_the_codes_the_reasons_and_retry_after():
    document = json.loads(openapi_document(["/api/sms"]))
    responses = document["paths"]["/api/sms"]["post"]["responses"]
    assert (
        "Retry-After" in responses["429"]["headers"] and "1106" in responses["429"]["description"]
    )
    assert "1107" in responses["403"]["description"]
    schemas = document["components"]["schemas"]
    assert "1106" in schemas["Reply429"]["properties"]["response_code"]["enum"]
    assert "1107" in schemas["Reply403"]["properties"]["response_code"]["enum"]
    data = schemas["ReplyData"]["properties"]
    assert set(data["reason"]["enum"]) == set(REASONS) and data["retry_after"]["minimum"] == 0
