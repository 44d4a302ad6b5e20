"""Anti-pumping logic: sliding windows under a fake clock, number prefixes, destination lists."""

from __future__ import annotations

import pytest

from otpbroker.domain.pumping import (
    REASONS,
    DestinationRules,
    PumpingGuard,
    RateLimit,
    SlidingWindow,
    number_prefix,
)

HOUR = 3600


def keys(number: str = "628123450001", user: str = "user:app") -> dict[str, str]:
    return {"recipient": number, "prefix": number_prefix(number, 4), "user": user}


def test_a_window_admits_its_count_then_waits_for_the_oldest_to_leave():
    window = SlidingWindow(HOUR)
    for minute in range(3):
        assert window.wait("a", 3, minute * 60.0) == 0
        window.add("a", 3, minute * 60.0)
    assert window.wait("a", 3, 180.0) == HOUR - 180.0  # the first leaves at 3600
    assert window.wait("b", 3, 180.0) == 0  # other keys are counted apart
    assert window.wait("a", 3, HOUR + 0.5) == 0  # sliding: the first one has left
    assert window.wait("a", 4, 180.0) == 0  # a raised limit fits at once


def test_a_window_keeps_only_count_times_per_key_and_prunes_idle_keys():
    window = SlidingWindow(60)
    for second in range(100):
        window.add("a", 5, float(second))
    assert window.wait("a", 5, 100.0) == 95.0 + 60 - 100.0
    window.add("b", 5, 100.0)
    window.prune(158.0)
    assert len(window) == 2
    window.prune(160.0)
    assert len(window) == 0


@pytest.mark.parametrize("scope", ["recipient", "prefix", "user"])
def test_each_scope_stops_at_its_count_and_names_itself(scope):
    guard = PumpingGuard()
    limits = [RateLimit(scope, 3, HOUR, f"limits.{scope}")]
    numbers = (
        ["628123450001"] * 5 if scope == "recipient" else [f"62812345{n:04d}" for n in range(5)]
    )
    user = "user:app" if scope != "prefix" else "user:{n}"
    results = [guard.admit(keys(number, user.format(n=i)), limits, 10.0 + i)
               for i, number in enumerate(numbers)]  # fmt: skip
    assert results[:3] == [None, None, None]
    refusal = results[3]
    assert refusal is not None and refusal.reason == scope and refusal.limit == limits[0]
    assert refusal.retry_after == HOUR - 3  # the first, at 10 s, leaves at 3610 s; now 13 s


def test_a_refused_message_is_not_counted():
    guard = PumpingGuard()
    limits = [RateLimit("recipient", 1, 60)]
    assert guard.admit(keys(), limits, 0.0) is None
    for second in range(1, 59):
        assert guard.admit(keys(), limits, float(second)) is not None
    assert guard.admit(keys(), limits, 60.0) is None  # refusals did not push the wait


def test_a_message_counts_in_every_window_or_in_none():
    guard = PumpingGuard()
    limits = [RateLimit("recipient", 2, HOUR), RateLimit("user", 3, 60)]
    assert guard.admit(keys("628111111111"), limits, 0.0) is None
    assert guard.admit(keys("628111111111"), limits, 1.0) is None
    refusal = guard.admit(keys("628111111111"), limits, 2.0)
    assert refusal is not None and refusal.reason == "recipient"
    # the refused one did not use the user's third place
    assert guard.admit(keys("628222222222"), limits, 3.0) is None
    refusal = guard.admit(keys("628333333333"), limits, 4.0)
    assert refusal is not None and refusal.reason == "user" and refusal.retry_after == 56


def test_the_wait_is_the_longest_of_the_full_windows():
    guard = PumpingGuard()
    limits = [RateLimit("recipient", 1, 60), RateLimit("recipient", 1, HOUR)]
    assert guard.admit(keys(), limits, 0.0) is None
    refusal = guard.admit(keys(), limits, 10.0)
    assert refusal is not None and refusal.retry_after == HOUR - 10
    assert guard.admit(keys(), limits, 70.0) is not None  # the minute passed, the hour did not


def test_a_limit_of_zero_is_off():
    guard = PumpingGuard()
    limits = [RateLimit("recipient", 0, HOUR), RateLimit("prefix", 0, HOUR)]
    assert all(guard.admit(keys(), limits, float(i)) is None for i in range(1000))
    assert guard.held() == 0


def test_a_lowered_limit_applies_to_what_was_counted():
    guard = PumpingGuard()
    for second in range(5):
        assert guard.admit(keys(), [RateLimit("recipient", 10, HOUR)], float(second)) is None
    refusal = guard.admit(keys(), [RateLimit("recipient", 3, HOUR)], 5.0)
    assert refusal is not None and refusal.retry_after == HOUR - 3  # third newest: at 2 s


def test_idle_keys_are_forgotten_after_the_window():
    guard = PumpingGuard(prune_every=60.0)
    limits = [RateLimit("recipient", 5, HOUR)]
    for n in range(100):
        guard.admit(keys(f"6281{n:08d}"), limits, float(n))
    assert guard.held() == 100
    guard.admit(keys("628999999999"), limits, HOUR + 100.0)
    assert guard.held() == 1


@pytest.mark.parametrize(
    ("number", "dropped", "prefix"),
    [("628123456789", 4, "62812345"), ("628123456789", 0, "628123456789"),
     ("6281", 10, "6")],
)  # fmt: skip
def test_number_prefix_drops_the_last_digits(number, dropped, prefix):
    assert number_prefix(number, dropped) == prefix


@pytest.mark.parametrize(
    ("rules", "number", "reason"),
    [
        (DestinationRules(), "6591234567", None),
        (DestinationRules(countries=("62",)), "628123456789", None),
        (DestinationRules(countries=("62",)), "6591234567", "country"),
        (DestinationRules(countries=("1", "62")), "12025550100", None),
        (DestinationRules(allowed_prefixes=("62812",)), "628123456789", None),
        (DestinationRules(allowed_prefixes=("62812",)), "628133456789", "prefix_not_allowed"),
        (DestinationRules(denied_prefixes=("62899",)), "628991234567", "prefix_denied"),
        # a denied prefix wins over an allowed prefix and an allowed country
        (DestinationRules(("62",), ("6289",), ("62899",)), "628991234567", "prefix_denied"),
        (DestinationRules(("62",), ("6289",), ("62899",)), "628981234567", None),
        # every non-empty allow list must match
        (DestinationRules(("65",), ("6289",)), "628981234567", "country"),
    ],
)
def test_destination_lists(rules, number, reason):
    refusal = rules.refusal(number)
    assert (refusal.reason if refusal else None) == reason
    assert refusal is None or (refusal.retry_after is None and refusal.reason in REASONS)
