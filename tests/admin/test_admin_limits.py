"""The Sending limits page: every ``limits.*`` setting, lists as text, precise errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_admin_settings import errors, fields, form_of, value_of

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.config.schema_limits import LIMIT_SETTINGS


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def test_the_page_is_in_the_navigation_and_shows_every_limit(admin):
    status, page, _ = admin.get("/limits")
    assert status == 200 and '<a href="/limits"' in admin.get("/")[1]
    assert set(fields(page)) == {spec.key for spec in LIMIT_SETTINGS}
    assert "Per prefix, per hour" in page and "Denied prefixes" in page
    assert "0 = no limit." in page and "code 1106" in page
    assert "style=" not in page and "<script>" not in page


def test_lists_and_counts_are_saved_and_used_by_the_next_message(admin, harness):
    form = form_of(admin.get("/limits")[1])
    form.update({"limits.recipient_per_hour": "1", "limits.denied_prefixes": "62899, 6281 ",
                 "limits.allowed_countries": "62,65"})  # fmt: skip
    status, _, headers = admin.post("/limits", form)
    assert status == 303 and headers["Location"] == "/limits"
    store = harness.broker.store
    assert store.get("limits.denied_prefixes") == ["62899", "6281"]
    assert store.get("limits.allowed_countries") == ["62", "65"]
    assert store.get("limits.recipient_per_hour") == 1
    page = admin.get("/limits")[1]
    assert value_of(page, "limits.denied_prefixes") == "62899, 6281"
    status, body, _ = harness.send_sms("08123456789", "Kode OTP 1")
    assert (status, body["response_code"]) == (403, "1107")
    assert harness.send_sms("08221234567", "Kode OTP 1")[1]["response_code"] == "0000"
    status, body, headers = harness.send_sms("08221234567", "Kode OTP 2")
    assert (status, body["response_code"]) == (429, "1106") and "Retry-After" in headers


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("limits.denied_prefixes", "62899, 62a1",
         "item 1 must be 1-15 digits in MSISDN form (country code first, no '+'), got '62a1'"),
        ("limits.allowed_prefixes", "+6281",
         "item 0 must be 1-15 digits in MSISDN form (country code first, no '+'), got '+6281'"),
        ("limits.allowed_countries", "62, 0",
         "item 1 must be a country calling code: 1-3 digits, not starting with 0, got '0'"),
        ("limits.prefix_per_hour", "-1", "must be between 0 and 100000, got -1"),
        ("limits.prefix_digits", "0", "must be between 1 and 10, got 0"),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_saved(admin, harness, key, bad,
                                                                  message):  # fmt: skip
    before = harness.broker.store.settings()
    form = form_of(admin.get("/limits")[1])
    form.update({key: bad, "limits.user_per_hour": "7"})
    status, page, _ = admin.post("/limits", form)
    assert status == 400
    assert errors(page)[key] == message
    assert harness.broker.store.settings() == before
