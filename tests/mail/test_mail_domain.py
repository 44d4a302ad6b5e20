"""The e-mail value objects: address, subject and body validation, masking."""

from __future__ import annotations

import pytest

from otpbroker.domain.errors import DomainError, InvalidAddressError, InvalidMessageError
from otpbroker.domain.mail import (
    MAX_BODY_BYTES,
    MailMessage,
    MailResult,
    MailSender,
    mask_address,
    validate_address,
    validate_body,
    validate_subject,
)

BODY = "OTP Anda adalah 918273"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("admin@domain.tld", "admin@domain.tld"),
        ("  First.Last+otp@Sub.Example.COM\t", "First.Last+otp@sub.example.com"),
        ("o'brien_x-y@example.co.id", "o'brien_x-y@example.co.id"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
    ],
)
def test_valid_addresses_are_normalised(text: str, expected: str) -> None:
    assert validate_address(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "not_text"),
        (42, "not_text"),
        ("", "empty"),
        ("   ", "empty"),
        ("a" * 250 + "@x.com", "too_long"),
        ("victim@example.com\r\nBcc: all@example.com", "control_char"),
        ("a\nb@example.com", "control_char"),
        ("a b@example.com", "whitespace"),
        ("Bob <bob@example.com>", "whitespace"),
        ("<bob@example.com>", "display_name"),
        ("bob.example.com", "no_at"),
        ("a@b@example.com", "quoted"),
        ('"a b"@example.com', "whitespace"),
        ('"ab"@example.com', "quoted"),
        ("@example.com", "no_local_part"),
        ("bob@", "no_domain"),
        ("bob@[192.0.2.1]", "address_literal"),
        ("bob@192.0.2.1", "address_literal"),
        ("bob@localhost", "bad_domain"),
        ("bob@example.com.", "bad_domain"),
        ("bob@-bad.example", "bad_domain"),
        ("bob@exa_mple.com", "bad_domain"),
        ("bob@ex..com", "bad_domain"),
        (".bob@example.com", "misplaced_dot"),
        ("bo..b@example.com", "misplaced_dot"),
        ("bob(x)@example.com", "bad_local_char"),
        ("ñandú@example.com", "non_ascii_local_part"),
        ("a" * 65 + "@example.com", "local_part_too_long"),
    ],
)
def test_invalid_addresses_have_a_precise_reason(text: object, reason: str) -> None:
    with pytest.raises(InvalidAddressError) as caught:
        validate_address(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == "invalid_address"


def test_subject_rules() -> None:
    assert validate_subject("") == ""
    assert validate_subject("Reset Password") == "Reset Password"
    assert validate_subject("x" * 200) == "x" * 200
    cases = {
        "x" * 201: "too_long",
        "Hi\r\nBcc: everyone@example.com": "line_break",
        "Hi\nthere": "line_break",
        "Hi\rthere": "line_break",
        "Hi\u2028there": "line_break",
        "Hi\x00": "control_char",
        "\ud800": "bad_unicode",
    }
    for text, reason in cases.items():
        with pytest.raises(InvalidMessageError) as caught:
            validate_subject(text)
        assert caught.value.reason == reason
        assert text not in caught.value.message


def test_body_rules() -> None:
    assert validate_body(BODY) == BODY
    assert validate_body("é" * (MAX_BODY_BYTES // 2)) == "é" * (MAX_BODY_BYTES // 2)
    cases = {
        "": "empty",
        " \n\t": "empty",
        "é" * (MAX_BODY_BYTES // 2 + 1): "too_long",
        "a\x00b": "control_char",
        "\udfff": "bad_unicode",
    }
    for text, reason in cases.items():
        with pytest.raises(InvalidMessageError) as caught:
            validate_body(text)
        assert caught.value.reason == reason
    with pytest.raises(InvalidMessageError, match="must be text"):
        validate_body(b"bytes")


def test_message_validates_and_masks() -> None:
    message = MailMessage("Alice@Example.com", "Kode OTP 918273", BODY)
    assert message.recipient == "Alice@example.com"
    for shown in (repr(message), str(message)):
        assert "918273" not in shown
        assert "A****@example.com" in shown
        assert f"<masked {len(BODY)} chars>" in shown
    with pytest.raises(InvalidMessageError):
        MailMessage("a@example.com", "a\nb", BODY)
    with pytest.raises(InvalidAddressError):
        MailMessage("nobody", "", BODY)


def test_mask_address_and_result() -> None:
    assert mask_address("bob@example.com") == "b**@example.com"
    assert mask_address("b@example.com") == "b*@example.com"
    assert mask_address("nonsense") == "<invalid>"
    result = MailResult(False, None, "x", [("a", "refused")])
    assert result.reason is None and result.attempts == [("a", "refused")]

    class Fake:
        def send(self, message: MailMessage) -> MailResult:
            return MailResult(True, "a", None)

    assert isinstance(Fake(), MailSender)
