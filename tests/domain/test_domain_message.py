"""Tests for otpbroker.domain.message: the text never shows in repr/str."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.message import (
    MAX_TEXT_CHARS,
    Attempt,
    Delivery,
    OutboundSms,
    SendOutcome,
    masked_text,
    validate_text,
)

OTP_TEXT = "OTP Anda adalah 739182"


def make(text: str = OTP_TEXT, msisdn: str = "628126666666") -> OutboundSms:
    return OutboundSms(msisdn, text, "123456", "rest", "api-user")


def test_repr_and_str_mask_text_and_number() -> None:
    sms = make()
    for shown in (repr(sms), str(sms), f"{sms}", f"{sms!r}", repr([sms]), repr({"k": sms})):
        assert OTP_TEXT not in shown
        assert "739182" not in shown
        assert "628126666666" not in shown
        assert "6281******66" in shown
        assert f"text=<{len(OTP_TEXT)} chars>" in shown
        assert "123456" in shown  # the message id is not secret


def test_fields_and_immutability() -> None:
    sms = make()
    assert sms.text == OTP_TEXT
    assert sms.user == "api-user"
    with pytest.raises(dataclasses.FrozenInstanceError):
        sms.text = "other"  # type: ignore[misc]
    assert OutboundSms("62812345678", "hi", None, "manual").user is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        (None, "not_text"),
        (b"OTP 1234", "not_text"),
        ("x" * (MAX_TEXT_CHARS + 1), "too_long"),
    ],
)
def test_invalid_texts_are_rejected_without_echo(text: object, reason: str) -> None:
    with pytest.raises(InvalidMessageError) as info:
        OutboundSms("628126666666", text, None, "rest")  # type: ignore[arg-type]
    assert info.value.reason == reason
    assert info.value.code == "invalid_message"
    if isinstance(text, str) and text.strip():
        assert text not in str(info.value)
    assert "1234" not in str(info.value)


def test_max_length_accepted() -> None:
    assert validate_text("x" * MAX_TEXT_CHARS) == "x" * MAX_TEXT_CHARS
    with pytest.raises(InvalidMessageError, match="too long: 11 characters, at most 10"):
        validate_text("x" * 11, max_chars=10)


def test_missing_recipient_rejected() -> None:
    with pytest.raises(InvalidMessageError, match="recipient"):
        OutboundSms("", OTP_TEXT, None, "rest")


def test_masked_text() -> None:
    assert masked_text("x" * 24) == "<masked 24 chars>"
    assert masked_text(OTP_TEXT) == f"<masked {len(OTP_TEXT)} chars>"
    assert masked_text(None) == "<masked non-text>"


_texts = st.text(min_size=1, max_size=200).filter(lambda t: t.strip() != "")


@given(_texts)
def test_repr_never_depends_on_the_text(text: str) -> None:
    sms = make(text)
    same_length = make("x" * len(text))
    # repr/str are fully determined by the text's length: no character of it leaks.
    assert repr(sms) == repr(same_length)
    assert str(sms) == str(same_length)
    assert masked_text(text) == masked_text("x" * len(text))


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=8, max_size=200))
def test_repr_never_contains_a_long_text(text: str) -> None:
    sms = make("\u2603" + text)  # always non-blank
    assert sms.text not in repr(sms)
    assert sms.text not in str(sms)


def test_send_outcome_and_delivery() -> None:
    attempts = [
        Attempt("modem1", SendOutcome.FAILED, "+CMS ERROR: 500"),
        Attempt("modem4", SendOutcome.SENT),
    ]
    delivery = Delivery(SendOutcome.SENT, "modem4", 17, 2, attempts=attempts)
    assert delivery.sent and not delivery.may_try_another_modem
    assert delivery.attempts[0] == ("modem1", SendOutcome.FAILED, "+CMS ERROR: 500")
    assert delivery.attempts[1].error is None
    failed = Delivery(SendOutcome.FAILED, "modem1", error_code="cms_500", error="rejected")
    assert failed.may_try_another_modem and not failed.sent
    unknown = Delivery(SendOutcome.UNKNOWN, "modem1", error="time-out")
    assert not unknown.may_try_another_modem and not unknown.sent
    assert Delivery(SendOutcome.FAILED).attempts == []
    expired = Delivery(SendOutcome.EXPIRED, "modem1", error_code="EXPIRED")
    assert not expired.may_try_another_modem and not expired.sent
    assert {o.value for o in SendOutcome} == {"sent", "failed", "unknown", "expired"}
