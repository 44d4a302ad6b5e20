"""LoginThrottle: per address and per user name, trusted addresses, bounded tables, events."""

from __future__ import annotations

import time
from typing import Any

from otpbroker.config import schema
from otpbroker.services.events import EventLog
from otpbroker.services.login_throttle import LoginThrottle


class Settings:
    """The product's ``auth.*`` defaults with ``overrides``."""

    def __init__(self, **overrides: Any) -> None:
        self.overrides = overrides

    def get(self, key: str) -> Any:
        return self.overrides.get(key.removeprefix("auth."), schema.default(key))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(events: EventLog | None = None, **overrides: Any) -> tuple[LoginThrottle, Clock]:
    clock = Clock()
    return LoginThrottle(Settings(**overrides), events, clock=clock), clock


def test_free_failures_then_growing_waits_then_the_check_again():
    guard, clock = throttle(address_free_failures=3, user_free_failures=0)
    for _ in range(3):
        assert guard.refusal("api", "192.0.2.1", "app") is None
        guard.failed("api", "192.0.2.1", "app")
    first = guard.refusal("api", "192.0.2.1", "app")
    assert first is not None and (first.scope, first.retry_after) == ("address", 1)
    clock.now += 1
    assert guard.refusal("api", "192.0.2.1", "app") is None  # checked again
    guard.failed("api", "192.0.2.1", "app")
    assert guard.refusal("api", "192.0.2.1", "app").retry_after == 2
    assert guard.refusal("api", "192.0.2.2", "app") is None  # another address is free
    assert guard.refusals()[("api", "address")] == 2 and guard.failures()["api"] == 4


def test_a_success_clears_the_address_but_not_the_user_name():
    guard, _ = throttle(address_free_failures=2, user_free_failures=3)
    for address in ("192.0.2.1", "192.0.2.1", "192.0.2.9"):
        guard.failed("api", address, "app")
    assert guard.refusal("api", "192.0.2.1", "other").scope == "address"
    guard.succeeded("api", "192.0.2.1", "app")
    assert guard.refusal("api", "192.0.2.1", "other") is None
    assert guard.refusal("api", "192.0.2.50", "app").scope == "user"  # 3 failures for app


def test_distributed_guessing_locks_the_user_name_except_for_its_own_client():
    guard, clock = throttle(user_free_failures=10, user_lockout_failures=20)
    guard.succeeded("api", "198.51.100.10", "app")  # the application's own server
    for n in range(200):  # a try every 10 s, each from a new address, the name in any case
        clock.now += 10
        address = f"203.0.113.{n}"
        if guard.refusal("api", address, "APP") is None:
            guard.failed("api", address, "APP")
    # 20 checked, then locked out; once the lock-out ended, one more failure locked it again
    assert guard.failures()["api"] == 21
    refused = guard.refusal("api", "203.0.113.200", "app")
    assert refused is not None and refused.scope == "user" and refused.retry_after > 60
    assert guard.refusal("api", "198.51.100.10", "app") is None  # its own client goes on
    assert guard.refusal("admin", "203.0.113.200", "app") is None  # another realm


def test_failing_from_the_clients_own_address_slows_that_address_only_for_a_while():
    """An attacker behind the client's address (the same NAT) slows it like any address;
    the wait ends and the client's next success clears the count."""
    guard, clock = throttle(address_free_failures=2, address_lockout_failures=0)
    guard.succeeded("api", "198.51.100.10", "app")
    for _ in range(5):
        clock.now += 60
        guard.failed("api", "198.51.100.10", "app")
    assert guard.refusal("api", "198.51.100.10", "app").retry_after == 8
    clock.now += 8
    assert guard.refusal("api", "198.51.100.10", "app") is None
    guard.succeeded("api", "198.51.100.10", "app")
    guard.failed("api", "198.51.100.10", "app")
    assert guard.refusal("api", "198.51.100.10", "app") is None


def test_the_trust_of_an_address_expires():
    guard, clock = throttle(user_free_failures=1, trusted_seconds=60)
    guard.succeeded("api", "198.51.100.10", "app")
    guard.failed("api", "203.0.113.1", "app")
    assert guard.refusal("api", "198.51.100.10", "app") is None
    clock.now += 0.5
    assert guard.refusal("api", "198.51.100.10", "app") is None
    guard, clock = throttle(user_free_failures=1, trusted_seconds=60)
    guard.succeeded("api", "198.51.100.10", "app")
    clock.now += 61
    guard.failed("api", "203.0.113.1", "app")
    assert guard.refusal("api", "198.51.100.10", "app").scope == "user"


def test_ipv6_addresses_of_one_slash_64_count_together():
    guard, _ = throttle(address_free_failures=3, user_free_failures=0)
    for suffix in ("1", "2", "abcd:1"):
        guard.failed("api", f"2001:db8:0:7::{suffix}", "app")
    assert guard.refusal("api", "2001:db8:0:7:ffff::9", "app").scope == "address"
    assert guard.refusal("api", "2001:db8:0:8::1", "app") is None


def test_memory_stays_bounded_with_100k_addresses_and_names():
    guard = LoginThrottle(Settings(), capacity=10_000)
    started = time.perf_counter()
    for n in range(100_000):
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        guard.failed("api", address, f"user-{n}")
        guard.succeeded("api", f"2001:db8:{n:x}::1", f"user-{n}")
    elapsed = time.perf_counter() - started
    sizes = guard.sizes()
    print(f"\n100k failures + 100k successes: {elapsed:.2f} s, table sizes {sizes}")
    assert sizes == {"address": 10_000, "user": 10_000, "trusted": 10_000}
    guard.failed("api", "10.1.134.159", "user-99999")  # the newest entries are kept
    assert guard.sizes()["address"] == 10_000


def test_failures_and_throttling_reach_the_monitor_without_counting_as_requests():
    events = EventLog()
    seen: list[Any] = []
    events.subscribe(seen.append)
    guard, _ = throttle(events, address_free_failures=1, user_free_failures=0)
    guard.failed("api", "192.0.2.1", "app")
    guard.failed("admin", "192.0.2.1", None)
    guard.spend("reset", "192.0.2.1", "owner")  # a password reset is no failed login
    shown = [(e.kind, e.source, e.user, e.recipient, e.outcome, e.code) for e in seen]
    assert shown == [
        ("login", "rest", "app", "192.0.2.1", "login_failed", "1209"),
        ("login", "rest", "app", "192.0.2.1", "throttled", "1215"),
        ("login", "admin-login", None, "192.0.2.1", "login_failed", "1209"),
        ("login", "admin-login", None, "192.0.2.1", "throttled", "1215"),
    ]
    assert events.recent() == seen and events.counts() == {}
    assert guard.failures() == {"api": 1, "admin": 1}
