"""The login-throttling policy: free failures, waits 1 s, 2 s, 4 s ... capped, a lock-out."""

from __future__ import annotations

import pytest

from otpbroker.domain.login_attempts import (
    Tally,
    ThrottleRule,
    address_key,
    after_failure,
    locked_out,
    user_key,
    wait_seconds,
)

RULE = ThrottleRule(
    free_failures=3, lockout_failures=8, window_seconds=600, max_delay_seconds=8,
    lockout_seconds=900,
)  # fmt: skip


def fail(times: int, rule: ThrottleRule = RULE, now: float = 1000.0) -> Tally | None:
    tally = None
    for _ in range(times):
        tally = after_failure(tally, rule, now)
    return tally


def test_free_failures_then_waits_that_double_up_to_the_cap_then_the_lock_out():
    waits = [wait_seconds(fail(n), 1000.0) for n in range(1, 9)]
    assert waits == [0, 0, 1, 2, 4, 8, 8, 900]
    assert not locked_out(fail(7), RULE) and locked_out(fail(8), RULE)


def test_the_wait_runs_out():
    tally = fail(4)
    assert wait_seconds(tally, 1001.5) == pytest.approx(0.5)
    assert wait_seconds(tally, 1002.0) == 0


def test_a_new_run_starts_after_a_window_without_failures_once_the_refusal_ended():
    tally = fail(4)  # refused until 1002
    assert after_failure(tally, RULE, 1002.0 + 599).failures == 5
    fresh = after_failure(tally, RULE, 1002.0 + 600)
    assert fresh.failures == 1 and wait_seconds(fresh, 1602.0) == 0


def test_a_slow_drip_of_failures_keeps_counting_up_to_the_lock_out():
    tally = None
    for minute in range(8):
        tally = after_failure(tally, RULE, 1000.0 + 60 * minute)
    assert tally.failures == 8 and locked_out(tally, RULE)


def test_a_failure_soon_after_a_lock_out_locks_again_at_once():
    locked = fail(8)
    assert wait_seconds(locked, 1000.0 + 899) == 1
    again = after_failure(locked, RULE, 1000.0 + 900 + 300)
    assert again.failures == 9 and wait_seconds(again, 2200.0) == 900


def test_an_off_rule_never_refuses_and_no_lock_out_only_slows():
    off = ThrottleRule(0, 0, 600, 8, 900)
    assert wait_seconds(fail(50, off), 1000.0) == 0
    slow_only = ThrottleRule(3, 0, 600, 8, 900)
    assert wait_seconds(fail(50, slow_only), 1000.0) == 8


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", "?"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_addresses_are_counted_per_ipv4_address_and_per_ipv6_slash_64(address, key):
    assert address_key(address) == key


def test_user_names_are_counted_case_insensitively_and_bounded():
    assert user_key("Owner") == user_key("OWNER") == "owner"
    assert len(user_key("x" * 10_000)) == 128
