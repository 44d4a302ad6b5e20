"""Expiry and priority through the REST API: real HTTP, real config, an emulated modem; the
validity period is read from the PDU the emulator received."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from broker_harness import BrokerHarness

SLOW = ("slow", "slow-password-1")


@pytest.fixture
def one_modem(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.add_user(SLOW[0], SLOW[1], default_ttl_seconds=3600, default_priority="bulk")
    h.broker.store.update_settings({"sms.default_ttl_seconds": 3000})
    sim, _ = h.add_modem()
    h.start()
    yield h, sim
    h.stop()


def send(h: BrokerHarness, auth=("app", "s3cret-pass"), **fields) -> tuple[int, dict]:
    data = {"msisdn": "08126666666", "message": "Kode 4821", **fields}
    status, body, _ = h.request("/api/sms", {"command": "send-sms", "data": data}, auth=auth)
    return status, body


def last_validity(sim) -> int | None:
    return sim.log.parts[-1].submit.validity


def test_ttl_valid_until_and_defaults_set_the_pdu_validity(one_modem) -> None:
    h, sim = one_modem
    in_2h = (datetime.now(UTC) + timedelta(hours=2, minutes=1)).astimezone().isoformat()
    cases = [
        ({}, 8),  # the device's default, 3000 s: a moment less is left, so 45 minutes
        ({"ttl": 60}, 0),  # under 5 minutes: the shortest period
        ({"ttl": 3600}, 10),  # a moment less than an hour is left: 55 minutes
        ({"valid_until": in_2h}, 23),  # 2 hours
        ({"valid_until": int(time.time()) + 1800}, 4),  # under 30 minutes: 25
        ({"ttl": 604800}, 167),  # never above sms.validity_minutes (1 day)
    ]
    for fields, octet in cases:
        status, body = send(h, **fields)
        assert (status, body["response_code"]) == (200, "0000"), (fields, body)
        assert last_validity(sim) == octet, fields
    status, body = send(h, auth=SLOW)  # the API user's default: an hour
    assert status == 200 and last_validity(sim) == 10


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"ttl": 60, "valid_until": 2000000000}, "give data.ttl or data.valid_until, not both"),
        ({"ttl": 0}, "data.ttl must be 1-604800 seconds, got 0"),
        ({"ttl": 604801}, "data.ttl must be 1-604800 seconds, got 604801"),
        ({"ttl": "60"}, "data.ttl must be a whole number of seconds"),
        ({"valid_until": "next week"}, "is not an ISO 8601 date and time"),
        ({"valid_until": "2030-01-01T10:00:00"}, "has no UTC offset"),
        ({"valid_until": 4102444800}, "at most 604800 s (7 days)"),
        ({"priority": "high"}, "data.priority must be one of 'otp', 'bulk', got 'high'"),
    ],
)
def test_bad_expiry_and_priority_fields_are_400_and_nothing_is_sent(one_modem, fields, text):
    h, sim = one_modem
    status, body = send(h, **fields)
    assert (status, body["response_code"]) == (400, "1211"), body
    assert text in body["response_text"]
    time.sleep(0.1)
    assert sim.log.parts == []


def test_a_message_already_expired_is_410_1104_and_never_sent(one_modem) -> None:
    h, sim = one_modem
    status, body = send(h, valid_until="2020-01-01T00:00:00+00:00", id="late-1")
    assert (status, body["response_code"]) == (410, "1104"), body
    assert "expired" in body["response_text"] and body["data"]["error_code"] == "EXPIRED"
    status, body = send(h, priority="bulk", ttl=120)
    assert (status, body["response_code"]) == (200, "0000")
    assert [d.text for d in sim.deliveries] == ["Kode 4821"]  # only the second
    assert [e.outcome for e in h.broker.events.recent() if e.kind == "sms"] == ["expired", "sent"]
