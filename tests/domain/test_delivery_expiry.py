"""Expiry and lanes in the domain: the effective expiry, the command's delivery fields, and
the validity period (TP-VP) a message with a given time left gets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms, Lane, effective_expiry, lane_of
from otpbroker.modem.gsm import validity_for
from otpbroker.modem.pdu.validity import (
    SHORTEST_VALIDITY_SECONDS,
    validity_from_minutes,
    validity_seconds,
    validity_within,
)
from otpbroker.services.delivery_fields import FieldError, named_lane, own_expiry

NOW = 1_800_000_000.0


# -- the effective expiry --------------------------------------------------------------------
def test_the_command_s_own_expiry_wins_over_every_default() -> None:
    terms = DeliveryTerms(default_ttl=30)
    assert effective_expiry(NOW, NOW + 100, terms, 600) == NOW + 100


def test_the_transport_s_expiry_wins_when_it_is_earlier() -> None:
    terms = DeliveryTerms(expires_at=NOW + 50)
    assert effective_expiry(NOW, NOW + 100, terms, 600) == NOW + 50
    assert effective_expiry(NOW, NOW + 10, terms, 600) == NOW + 10
    assert effective_expiry(NOW, None, terms, 600) == NOW + 50  # device default is later


def test_without_its_own_the_transport_default_then_the_device_default_applies() -> None:
    assert effective_expiry(NOW, None, DeliveryTerms(default_ttl=90), 600) == NOW + 90
    assert effective_expiry(NOW, None, NO_TERMS, 600) == NOW + 600
    assert effective_expiry(NOW, None, NO_TERMS, 0) is None  # 0: no expiry
    assert effective_expiry(NOW, None, DeliveryTerms(default_ttl=0), 600) is None


def test_the_lane_named_wins_then_the_transport_s_then_otp() -> None:
    bulk_terms = DeliveryTerms(default_lane=Lane.BULK)
    assert lane_of(Lane.OTP, bulk_terms) is Lane.OTP
    assert lane_of(None, bulk_terms) is Lane.BULK
    assert lane_of(None, NO_TERMS) is Lane.OTP


# -- the command's fields ----------------------------------------------------------------------
JAN_15 = datetime(2027, 1, 15, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("now", "data", "expected"),
    [
        (NOW, {}, None),
        (NOW, {"ttl": 1}, NOW + 1),
        (NOW, {"ttl": 604800}, NOW + 604800),
        (JAN_15, {"valid_until": "2027-01-15T08:00:00+07:00"}, JAN_15 + 3600),
        (JAN_15, {"valid_until": "2027-01-15T01:00:00Z"}, JAN_15 + 3600),
        (NOW, {"valid_until": int(NOW) + 300}, NOW + 300),
        (NOW, {"valid_until": int(NOW) - 300}, NOW - 300),  # already past: it will expire
    ],
)
def test_ttl_and_valid_until_give_the_expiry(now: float, data: dict, expected: object) -> None:
    assert own_expiry(data, now) == expected


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"ttl": 60, "valid_until": int(NOW) + 60}, "not both"),
        ({"ttl": 0}, "1-604800 seconds, got 0"),
        ({"ttl": 604801}, "1-604800 seconds, got 604801"),
        ({"ttl": -5}, "got -5"),
        ({"ttl": "60"}, "whole number of seconds"),
        ({"ttl": 1.5}, "whole number of seconds"),
        ({"ttl": True}, "whole number of seconds"),
        ({"valid_until": "tomorrow"}, "is not an ISO 8601 date and time"),
        ({"valid_until": "2027-01-15T08:00:00"}, "has no UTC offset"),
        ({"valid_until": 1.5}, "ISO 8601 date and time with a UTC offset"),
        ({"valid_until": int(NOW) + 604801}, "at most 604800 s"),
    ],
)
def test_bad_expiry_fields_are_refused_precisely(data: dict, text: str) -> None:
    with pytest.raises(FieldError, match="data\\.") as caught:
        own_expiry(data, NOW)
    assert text in str(caught.value)


def test_priority_names_a_lane_or_is_refused_precisely() -> None:
    assert named_lane({}) is None
    assert named_lane({"priority": "bulk"}) is Lane.BULK
    assert named_lane({"priority": "otp"}) is Lane.OTP
    with pytest.raises(FieldError, match="one of 'otp', 'bulk', got 'urgent'"):
        named_lane({"priority": "urgent"})
    with pytest.raises(FieldError, match="must be a string"):
        named_lane({"priority": 1})


# -- the validity period -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "octet"),
    [
        (1, 0),  # below 5 minutes: the shortest period
        (299, 0),
        (300, 0),
        (599, 0),
        (600, 1),
        (3600, 11),
        (12 * 3600, 143),
        (12 * 3600 + 1799, 143),
        (13 * 3600, 145),
        (86400, 167),
        (2 * 86400, 168),
        (30 * 86400, 196),
        (35 * 86400, 197),
        (63 * 7 * 86400, 255),
        (10**9, 255),
    ],
)
def test_the_longest_period_within_the_time_left(seconds: float, octet: int) -> None:
    assert validity_within(seconds) == octet


def test_the_periods_match_the_standard_table() -> None:
    assert [validity_seconds(o) for o in (0, 143, 144, 167, 168, 196, 197, 255)] == [
        300, 43200, 45000, 86400, 172800, 30 * 86400, 5 * 7 * 86400, 63 * 7 * 86400,
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"0\.\.255"):
        validity_seconds(256)


@given(st.floats(min_value=0, max_value=70 * 7 * 86400, allow_nan=False))
def test_the_period_is_never_above_the_time_left_but_for_the_5_minute_floor(left: float) -> None:
    octet = validity_within(left)
    assert validity_seconds(octet) <= max(left, SHORTEST_VALIDITY_SECONDS)
    if octet < 255:  # and it is the longest that fits
        assert validity_seconds(octet + 1) > left


@given(
    st.floats(min_value=0, max_value=70 * 7 * 86400, allow_nan=False),
    st.floats(min_value=0, max_value=70 * 7 * 86400, allow_nan=False),
)
def test_more_time_left_never_gives_a_shorter_period(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert validity_within(low) <= validity_within(high)


@given(
    st.one_of(st.none(), st.integers(min_value=0, max_value=255)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=70 * 7 * 86400, allow_nan=False)),
)
def test_the_configured_period_is_a_ceiling_and_no_expiry_keeps_today_s_rule(
    configured: int | None, left: float | None
) -> None:
    octet = validity_for(configured, left)
    if left is None:
        assert octet == configured
    else:
        assert octet is not None and octet <= validity_within(left)
        assert configured is None or octet <= configured


def test_the_default_configured_period_caps_a_long_ttl() -> None:
    one_day = validity_from_minutes(1440)
    assert validity_for(one_day, 7 * 86400) == one_day == 167
    assert validity_for(one_day, 600) == 1
