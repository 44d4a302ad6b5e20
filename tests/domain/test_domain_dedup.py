"""Tests for otpbroker.domain.dedup."""

import threading

import pytest

from otpbroker.domain.dedup import MAX_KEY_CHARS, DedupWindow


class FakeClock:
    """A settable monotonic clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_first_claim_wins_then_duplicates() -> None:
    window = DedupWindow(60, clock=FakeClock())
    assert window.claim("sms:123456") is True
    assert window.claim("sms:123456") is False
    assert window.claim("sms:123456") is False
    assert window.claim("sms:654321") is True
    assert window.claim("mail:123456") is True  # keys are scoped by the caller


def test_window_expiry() -> None:
    clock = FakeClock()
    window = DedupWindow(60, clock=clock)
    assert window.claim("sms:1")
    clock.now += 59.9
    assert not window.claim("sms:1")
    assert window.seen("sms:1")
    clock.now += 0.1  # exactly 60 s after the claim
    assert not window.seen("sms:1")
    assert window.claim("sms:1")
    assert not window.claim("sms:1")


def test_expired_keys_are_purged() -> None:
    clock = FakeClock()
    window = DedupWindow(10, clock=clock)
    for i in range(100):
        window.claim(f"sms:{i}")
        clock.now += 0.05
    assert len(window) == 100
    clock.now += 10
    window.claim("sms:new")
    assert len(window) == 1


def test_release_lets_the_client_retry() -> None:
    window = DedupWindow(60, clock=FakeClock())
    assert window.claim("sms:9")
    assert window.release("sms:9") is True
    assert window.release("sms:9") is False
    assert window.claim("sms:9") is True
    assert window.claim("sms:9") is False


def test_bounded_memory_evicts_oldest() -> None:
    clock = FakeClock()
    window = DedupWindow(3600, clock=clock, max_entries=3)
    for key in ("a", "b", "c", "d"):
        assert window.claim(key)
        clock.now += 1
    assert len(window) == 3
    assert not window.seen("a")  # oldest forgotten
    assert window.seen("b") and window.seen("c") and window.seen("d")
    assert not window.claim("d")


def test_long_keys_are_stored_bounded_and_distinct() -> None:
    window = DedupWindow(60, clock=FakeClock())
    long_a = "sms:" + "a" * 10_000
    long_b = "sms:" + "a" * 9_999 + "b"
    assert window.claim(long_a)
    assert window.claim(long_b)
    assert not window.claim(long_a)
    stored = list(window._claims)
    assert all(len(k) <= MAX_KEY_CHARS + 2 for k in stored)
    # A short key that looks like a stored digest does not collide with it.
    assert window.claim(stored[0])


def test_repr_has_no_keys() -> None:
    window = DedupWindow(60, clock=FakeClock())
    window.claim("sms:secret-id-123")
    assert "secret-id-123" not in repr(window)
    assert "entries=1" in repr(window)


def test_clear() -> None:
    window = DedupWindow(60, clock=FakeClock())
    window.claim("x")
    window.clear()
    assert window.claim("x")


@pytest.mark.parametrize(("window_seconds", "max_entries"), [(0, 10), (-1, 10), (10, 0)])
def test_invalid_settings(window_seconds: float, max_entries: int) -> None:
    with pytest.raises(ValueError):
        DedupWindow(window_seconds, max_entries=max_entries)


def test_non_str_key_rejected() -> None:
    with pytest.raises(TypeError):
        DedupWindow(60).claim(123456)  # type: ignore[arg-type]


def test_default_clock_is_monotonic() -> None:
    window = DedupWindow(60)
    assert window.claim("k")
    assert not window.claim("k")


def test_thread_safety_exactly_one_winner_per_key() -> None:
    window = DedupWindow(60, clock=FakeClock())
    keys = [f"sms:{i}" for i in range(200)]
    wins: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def feeder() -> None:
        mine = []
        start.wait()
        for key in keys:
            if window.claim(key):
                mine.append(key)
        with lock:
            wins.extend(mine)

    threads = [threading.Thread(target=feeder) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(keys)
