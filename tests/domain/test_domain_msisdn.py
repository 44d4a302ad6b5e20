"""Tests for otpbroker.domain.msisdn."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otpbroker.domain.errors import DomainError, InvalidNumberError
from otpbroker.domain.msisdn import mask_msisdn, normalize_msisdn, normalize_prefix


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08126666666", "628126666666"),  # SPEC example
        ("628126666666", "628126666666"),  # already MSISDN
        ("+628126666666", "628126666666"),
        ("00628126666666", "628126666666"),
        ("+62 812-6666-666", "628126666666"),
        ("(0812) 6666.666", "628126666666"),
        ("  0812 6666 666\t", "628126666666"),
        ("+62 (812) 666-6666", "628126666666"),
        ("0812\u00a06666666", "628126666666"),  # no-break space
        ("+6591234567", "6591234567"),  # Singapore
        ("006591234567", "6591234567"),
        ("+1 (415) 555-2671", "14155552671"),
        ("0011 4155552671", "114155552671"),  # 00 + country code 1 1...: digits kept
        ("123456", "123456"),  # shortest accepted
        ("123456789012345", "123456789012345"),  # longest accepted
    ],
)
def test_normalize_msisdn(raw: str, expected: str) -> None:
    assert normalize_msisdn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "cc", "expected"),
    [
        ("0412345678", "61", "61412345678"),  # Australia national
        ("07911123456", "44", "447911123456"),  # UK national
        ("+447911123456", "61", "447911123456"),  # international wins over country code
        ("0044 7911 123456", "62", "447911123456"),
        ("4155552671", "1", "4155552671"),  # no leading 0: taken as MSISDN form
    ],
)
def test_normalize_msisdn_other_country_codes(raw: str, cc: str, expected: str) -> None:
    assert normalize_msisdn(raw, country_code=cc) == expected


@pytest.mark.parametrize(
    ("raw", "reason", "fragment"),
    [
        ("", "empty", "is empty"),
        ("   ", "empty", "is empty"),
        ("-.()", "empty", "is empty"),
        ("+", "empty", "no digits after '+'"),
        ("00", "empty", "no digits after '00'"),
        ("0812abc666", "invalid_character", "contains letters ('abc')"),
        ("O8126666666", "invalid_character", "contains letters ('O')"),
        ("0812#66666", "invalid_character", "not digits ('#')"),
        ("0812/666666", "invalid_character", "not digits ('/')"),
        ("0812\u0661\u0662666666", "invalid_character", "not digits"),  # Arabic-Indic digits
        ("62+8126666666", "misplaced_plus", "'+' that is not at the start"),
        ("++628126666666", "misplaced_plus", "'+' that is not at the start"),
        ("+0812666666", "bad_country_code", "country code starting with 0"),
        ("000812666666", "bad_country_code", "country code starting with 0"),
        ("12345", "too_short", "too short: 5 digits, at least 6 required"),
        ("0123", "too_short", "too short: 5 digits"),  # 62 + 123
        ("1234567890123456", "too_long", "too long: 16 digits, at most 15 allowed"),
        ("08123456789012345", "too_long", "too long: 18 digits"),
    ],
)
def test_normalize_msisdn_invalid(raw: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidNumberError) as info:
        normalize_msisdn(raw)
    err = info.value
    assert err.reason == reason
    assert err.code == "invalid_number"
    assert fragment in str(err)
    assert str(err).startswith("phone number ")
    assert isinstance(err, DomainError)
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("raw", [None, 628126666666, b"08126666666"])
def test_normalize_msisdn_not_text(raw: object) -> None:
    with pytest.raises(InvalidNumberError, match="must be text") as info:
        normalize_msisdn(raw)  # type: ignore[arg-type]
    assert info.value.reason == "not_text"


@pytest.mark.parametrize("cc", ["", "0", "062", "1234", "6a", "+62"])
def test_bad_country_code_is_a_configuration_error(cc: str) -> None:
    with pytest.raises(ValueError, match="country code"):
        normalize_msisdn("08126666666", country_code=cc)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0871", "62871"),  # SPEC example
        ("+62871", "62871"),
        ("62871", "62871"),
        ("0062871", "62871"),
        (" 08-71 ", "62871"),
        ("0", "62"),
        ("6", "6"),
        ("+1", "1"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_normalize_prefix(raw: str, expected: str) -> None:
    assert normalize_prefix(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("+", "empty"),
        ("08a", "invalid_character"),
        ("1234567890123456", "too_long"),
        ("+0871", "bad_country_code"),
    ],
)
def test_normalize_prefix_invalid(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumberError) as info:
        normalize_prefix(raw)
    assert info.value.reason == reason
    assert str(info.value).startswith("prefix ")


@pytest.mark.parametrize(
    ("msisdn", "masked"),
    [
        ("628126666666", "6281******66"),
        ("6281234567890", "6281*******90"),
        ("62812345", "6281**45"),
        ("123456", "12****"),
        ("12", "1*"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_msisdn(msisdn: str, masked: str) -> None:
    assert mask_msisdn(msisdn) == masked


def test_mask_msisdn_non_text() -> None:
    assert mask_msisdn(None) == "<invalid>"  # type: ignore[arg-type]


_number_chars = st.sampled_from(list("0123456789") * 4 + list(" -.()+"))


@given(st.text(_number_chars, min_size=0, max_size=24), st.sampled_from(["62", "1", "44", "358"]))
def test_normalize_msisdn_is_idempotent(raw: str, cc: str) -> None:
    try:
        once = normalize_msisdn(raw, cc)
    except InvalidNumberError:
        return
    assert once.isascii() and once.isdigit()
    assert 6 <= len(once) <= 15
    assert not once.startswith("0")
    assert normalize_msisdn(once, cc) == once


@given(st.text(_number_chars, min_size=0, max_size=20), st.sampled_from(["62", "1", "44"]))
def test_normalize_prefix_is_idempotent(raw: str, cc: str) -> None:
    try:
        once = normalize_prefix(raw, cc)
    except InvalidNumberError:
        return
    assert once.isascii() and once.isdigit()
    assert 1 <= len(once) <= 15
    assert normalize_prefix(once, cc) == once


@given(st.text(max_size=30))
def test_normalize_msisdn_only_raises_invalid_number(raw: str) -> None:
    try:
        result = normalize_msisdn(raw)
    except InvalidNumberError:
        return
    assert result.isascii() and result.isdigit()


@given(st.text(st.sampled_from("0123456789"), min_size=8, max_size=15))
def test_mask_hides_the_middle(msisdn: str) -> None:
    masked = mask_msisdn(msisdn)
    assert len(masked) == len(msisdn)
    assert masked[:4] == msisdn[:4]
    assert masked[-2:] == msisdn[-2:]
    assert set(masked[4:-2]) <= {"*"}
