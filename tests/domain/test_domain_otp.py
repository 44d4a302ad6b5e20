"""Tests for otpbroker.domain.otp: server-side OTPs kept only as salted hashes."""

import random
import string
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.otp import TOKEN_CHARS, OtpBook, OtpResult, render_template

MSISDN = "628126666666"


class FakeClock:
    """A settable monotonic clock."""

    def __init__(self, now: float = 10.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def book_with_clock(**kwargs: object) -> tuple[OtpBook, FakeClock]:
    clock = FakeClock()
    return OtpBook(clock=clock, **kwargs), clock  # type: ignore[arg-type]


def wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


def test_issue_returns_token_and_code() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert len(token) == TOKEN_CHARS
    assert set(token) <= set(string.ascii_letters + string.digits + "-_")
    assert len(code) == 6 and code.isdigit()
    other_token, _ = book.issue(MSISDN)
    assert other_token != token


@pytest.mark.parametrize("digits", [4, 8, 10])
def test_code_length(digits: int) -> None:
    book, _ = book_with_clock(digits=digits)
    _, code = book.issue(MSISDN)
    assert len(code) == digits and code.isdigit()


def test_valid_consumes_token() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert book.verify(token, code) is OtpResult.VALID
    assert book.verify(token, code) is OtpResult.UNKNOWN_TOKEN
    assert len(book) == 0


def test_valid_with_surrounding_spaces() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert book.verify(token, f" {code}\n") is OtpResult.VALID


def test_invalid_then_valid() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert book.verify(token, wrong(code)) is OtpResult.INVALID
    assert book.verify(token, "") is OtpResult.INVALID
    assert book.verify(token, None) is OtpResult.INVALID  # type: ignore[arg-type]
    assert book.verify(token, code) is OtpResult.VALID


def test_expired() -> None:
    book, clock = book_with_clock(ttl_seconds=300)
    token, code = book.issue(MSISDN)
    clock.now += 299.9
    assert book.verify(token, wrong(code)) is OtpResult.INVALID
    clock.now += 0.1
    assert book.verify(token, code) is OtpResult.EXPIRED
    assert book.verify(token, code) is OtpResult.UNKNOWN_TOKEN


def test_expired_reported_until_purged() -> None:
    book, clock = book_with_clock(ttl_seconds=60)
    token, code = book.issue(MSISDN)
    clock.now += 100  # expired, still within the grace period
    assert book.verify(token, code) is OtpResult.EXPIRED
    token2, code2 = book.issue(MSISDN)
    clock.now += 1000  # long gone: purged on the next call
    book.issue(MSISDN)
    assert book.verify(token2, code2) is OtpResult.UNKNOWN_TOKEN
    assert len(book) == 1


def test_too_many_attempts_kills_the_token() -> None:
    book, _ = book_with_clock(max_attempts=5)
    token, code = book.issue(MSISDN)
    results = [book.verify(token, wrong(code)) for _ in range(5)]
    assert results == [OtpResult.INVALID] * 4 + [OtpResult.TOO_MANY_ATTEMPTS]
    assert book.verify(token, code) is OtpResult.TOO_MANY_ATTEMPTS
    assert book.verify(token, wrong(code)) is OtpResult.TOO_MANY_ATTEMPTS


def test_unknown_token() -> None:
    book, _ = book_with_clock()
    _, code = book.issue(MSISDN)
    assert book.verify("x" * TOKEN_CHARS, code) is OtpResult.UNKNOWN_TOKEN
    assert book.verify("", code) is OtpResult.UNKNOWN_TOKEN
    assert book.verify(None, code) is OtpResult.UNKNOWN_TOKEN  # type: ignore[arg-type]


def test_msisdn_binding() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert book.verify(token, code, msisdn="628999999999") is OtpResult.UNKNOWN_TOKEN
    assert book.verify(token, code, msisdn=MSISDN) is OtpResult.VALID


def test_discard() -> None:
    book, _ = book_with_clock()
    token, code = book.issue(MSISDN)
    assert book.discard(token) is True
    assert book.discard(token) is False
    assert book.discard(None) is False  # type: ignore[arg-type]
    assert book.verify(token, code) is OtpResult.UNKNOWN_TOKEN


def test_bounded_entries_evict_oldest() -> None:
    book, _ = book_with_clock(max_entries=3)
    issued = [book.issue(MSISDN) for _ in range(4)]
    assert len(book) == 3
    assert book.verify(*issued[0]) is OtpResult.UNKNOWN_TOKEN
    assert book.verify(*issued[3]) is OtpResult.VALID


def test_injected_rng_is_deterministic() -> None:
    first = OtpBook(clock=FakeClock(), rng=random.Random(7)).issue(MSISDN)
    second = OtpBook(clock=FakeClock(), rng=random.Random(7)).issue(MSISDN)
    assert first == second


def test_per_book_key_hashes_differ() -> None:
    a = OtpBook(clock=FakeClock(), rng=random.Random(1))
    b = OtpBook(clock=FakeClock(), rng=random.Random(2))
    assert a._key != b._key


@pytest.mark.parametrize(
    "kwargs",
    [{"digits": 3}, {"digits": 11}, {"ttl_seconds": 0}, {"max_attempts": 0}, {"max_entries": 0}],
)
def test_invalid_settings(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        OtpBook(**kwargs)  # type: ignore[arg-type]


def test_issue_requires_number() -> None:
    with pytest.raises(ValueError, match="msisdn"):
        OtpBook().issue("")


def _leaves(obj: object, seen: set[int] | None = None) -> Iterator[object]:
    """Every value reachable from obj through attributes, mappings and sequences."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    if isinstance(obj, str | bytes | int | float | bool) or obj is None:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(key, seen)
            yield from _leaves(value, seen)
        return
    if isinstance(obj, list | tuple | set | frozenset):
        for item in obj:
            yield from _leaves(item, seen)
        return
    if hasattr(obj, "__dict__") and not callable(obj):
        yield from _leaves(vars(obj), seen)


def _assert_code_absent(book: OtpBook, code: str) -> None:
    assert code not in repr(book)
    assert code not in str(book)
    for leaf in _leaves(book):
        if isinstance(leaf, bytes):
            assert code.encode() not in leaf
        elif isinstance(leaf, str | int | float):
            assert code not in str(leaf), f"code found in {type(leaf).__name__} attribute"
        if hasattr(leaf, "__dict__") and not callable(leaf):
            assert code not in repr(leaf)


def test_code_never_stored_or_shown() -> None:
    book, clock = book_with_clock(digits=8)
    issued = [book.issue(MSISDN) for _ in range(20)]
    entries = list(book._entries.values())
    assert entries and all(vars(entry) for entry in entries)
    for token, code in issued:
        _assert_code_absent(book, code)
        assert book.verify(token, wrong(code)) is OtpResult.INVALID
        _assert_code_absent(book, code)
    clock.now += 1
    for _, code in issued:
        _assert_code_absent(book, code)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([6, 8, 10]))
def test_code_never_stored_property(seed: int, digits: int) -> None:
    book = OtpBook(digits=digits, clock=FakeClock(), rng=random.Random(seed))
    token, code = book.issue(MSISDN)
    _assert_code_absent(book, code)
    assert book.verify(token, code) is OtpResult.VALID


def test_exceptions_never_contain_codes() -> None:
    book, _ = book_with_clock()
    _, code = book.issue(MSISDN)
    with pytest.raises(InvalidMessageError) as info:
        render_template("no placeholder here", code)
    assert code not in str(info.value) and code not in repr(info.value)
    with pytest.raises(TypeError) as type_info:
        render_template(None, code)  # type: ignore[arg-type]
    assert code not in str(type_info.value)


def test_render_template() -> None:
    assert render_template("OTP Anda adalah {otp}", "739182") == "OTP Anda adalah 739182"
    assert render_template("{otp} / {otp}", "1234") == "1234 / 1234"
    # Other braces are left alone (no str.format).
    assert render_template("{name}: {otp} {0}", "1234") == "{name}: 1234 {0}"


def test_thread_safety_each_token_valid_once() -> None:
    book = OtpBook()
    issued = [book.issue(MSISDN) for _ in range(100)]
    results: list[OtpResult] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def verifier() -> None:
        mine = []
        start.wait()
        for token, code in issued:
            mine.append(book.verify(token, code))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=verifier) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(OtpResult.VALID) == 100
    assert results.count(OtpResult.UNKNOWN_TOKEN) == 700
