"""Autofill-ready OTP texts: exact (golden) texts, the spec's parser, GSM 7-bit single part."""

from __future__ import annotations

import pytest

from otpbroker.domain.autofill import (
    AutofillFormat,
    app_hash_problem,
    compose,
    host_problem,
    single_part_problem,
)
from otpbroker.domain.errors import InvalidMessageError
from otpbroker.modem.pdu import decode_submit, encode_submit

HASH = "FA+9qCX9VSu"  # the example hash of Google's SMS Retriever server guide
TEMPLATE = "Your code is {otp}"
# 119 characters once rendered with 6 digits, 8 of them from the extension table
# ([ ] ~ euro | ^ ^ backslash): 127 septets; with the hash and the origin line, 160.
NEAR_LIMIT = (
    "[Acme] Kode {otp} berlaku 5 menit. Jangan berikan ke siapa pun ~ biaya \u20ac0 | "
    "info: acme.example/otp ^_^ \\ Terima kasih."
)
ESCAPED = "^{}\\[~]|\u20ac"


def septets(text: str) -> int:
    """The test's own count: one septet a character, two for the extension table."""
    return len(text) + sum(ch in ESCAPED for ch in text)


def parse_origin_bound(message: str) -> tuple[str, str, str | None] | None:
    """The WICG draft's "parse an origin-bound one-time code message", step by step."""
    line = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")[-1]
    position = 0

    def marked(marker: str) -> str | None:
        nonlocal position
        if position >= len(line) or line[position] != marker:
            return None
        position += 1
        start = position
        while position < len(line) and line[position] not in " \t\n\f\r":
            position += 1
        return line[start:position] or None

    host = marked("@")
    if host is None or position >= len(line) or line[position] != " ":
        return None
    position += 1
    code = marked("#")
    if code is None:
        return None
    embedded = None
    if position < len(line) and line[position] == " ":
        position += 1
        embedded = marked("@")
    return host, code, embedded


GOLDEN = [
    ("none", TEMPLATE, AutofillFormat(), "Your code is 123456"),
    (
        "domain",
        TEMPLATE,
        AutofillFormat("example.com"),
        "Your code is 123456\n@example.com #123456",
    ),
    (
        "domain+iframe",
        TEMPLATE,
        AutofillFormat("example.com", "pay.example.net"),
        "Your code is 123456\n@example.com #123456 @pay.example.net",
    ),
    ("hash", TEMPLATE, AutofillFormat(app_hash=HASH), f"Your code is 123456\n{HASH}"),
    (
        "domain+hash",
        TEMPLATE,
        AutofillFormat("example.com", app_hash=HASH),
        f"Your code is 123456\n{HASH}\n@example.com #123456",
    ),
    (
        "all+escapes at 160",
        NEAR_LIMIT,
        AutofillFormat("example.com", app_hash=HASH),
        "[Acme] Kode 123456 berlaku 5 menit. Jangan berikan ke siapa pun ~ biaya \u20ac0 | "
        f"info: acme.example/otp ^_^ \\ Terima kasih.\n{HASH}\n@example.com #123456",
    ),
]


@pytest.mark.parametrize(("template", "fmt", "expected"), [g[1:] for g in GOLDEN],
                         ids=[g[0] for g in GOLDEN])  # fmt: skip
def test_golden_texts(template: str, fmt: AutofillFormat, expected: str) -> None:
    assert compose(template, "123456", fmt) == expected


@pytest.mark.parametrize(("template", "fmt", "expected"), [g[1:] for g in GOLDEN],
                         ids=[g[0] for g in GOLDEN])  # fmt: skip
def test_the_last_line_parses_as_the_spec_says(
    template: str, fmt: AutofillFormat, expected: str
) -> None:
    parsed = parse_origin_bound(compose(template, "123456", fmt))
    if fmt.domain:
        assert parsed == ("example.com", "123456", fmt.iframe_domain or None)
    else:
        assert parsed is None


def test_the_app_hash_stays_on_its_own_line_and_ends_a_text_without_a_domain() -> None:
    assert compose(TEMPLATE, "0042", AutofillFormat(app_hash=HASH)).splitlines()[-1] == HASH
    lines = compose(TEMPLATE, "0042", AutofillFormat("example.com", app_hash=HASH)).splitlines()
    assert lines[-2:] == [HASH, "@example.com #0042"]


def test_the_near_limit_text_is_exactly_one_part_and_one_more_septet_is_refused() -> None:
    fmt = AutofillFormat("example.com", app_hash=HASH)
    assert septets(compose(NEAR_LIMIT, "123456", fmt)) == 160
    with pytest.raises(InvalidMessageError) as caught:
        compose(NEAR_LIMIT + "~", "123456", fmt)
    assert caught.value.reason == "too_long"
    assert caught.value.message == (
        "the text takes 162 septets (^ { } \\ [ ~ ] | and the euro sign count 2), "
        "one GSM 7-bit part holds 160: 2 too many"
    )
    with pytest.raises(InvalidMessageError, match=r"takes 161 septets.*: 1 too many"):
        compose(NEAR_LIMIT + "!", "123456", fmt)
    with pytest.raises(InvalidMessageError, match=r"takes 162 septets.*: 2 too many"):
        compose(NEAR_LIMIT, "1234567", fmt)  # the code is on two lines


def test_the_near_limit_text_is_one_gsm7_pdu() -> None:
    text = compose(NEAR_LIMIT, "123456", AutofillFormat("example.com", app_hash=HASH))
    [pdu] = encode_submit("+628126666666", text)
    decoded = decode_submit(pdu.hex)
    assert (decoded.encoding, decoded.concat, decoded.text) == ("gsm7", None, text)
    # first octet, TP-MR, TP-DA (length, type, 6 octets), PID, DCS, UDL, 140 octets of septets
    assert pdu.tpdu_length == 1 + 1 + 8 + 1 + 1 + 1 + 140
    assert pdu.hex[2 + 2 * 12 : 2 + 2 * 13] == "A0"  # TP-UDL: 160 septets


def test_a_ucs2_template_is_refused_with_the_character_named() -> None:
    with pytest.raises(InvalidMessageError) as caught:
        compose("Kodunuz {otp} \u015fimdi", "123456", AutofillFormat("example.com"))
    assert caught.value.reason == "not_gsm7"
    assert caught.value.message.startswith(
        "character '\u015f' (U+015F) is not in the GSM 7-bit alphabet"
    )


def test_without_autofill_a_long_or_unicode_template_is_left_to_the_splitter() -> None:
    long = "\u015f" * 200 + " {otp}"
    assert compose(long, "1234", AutofillFormat()) == "\u015f" * 200 + " 1234"
    assert single_part_problem("\u015f") is not None


def test_a_code_the_line_cannot_carry_is_a_programming_error() -> None:
    for code in ("", "12 34", "12\n34", "\u0661\u0662\u0663\u0664"):
        with pytest.raises(ValueError, match="ASCII letters or digits"):
            compose(TEMPLATE, code, AutofillFormat("example.com"))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https://example.com", "give the host name only, without a scheme such as https://"),
        ("example.com:443", "give the host name only, without a port (':')"),
        ("example.com/login", "give the host name only, without a path ('/')"),
        ("@example.com", "give the host name without '@': the device writes the line's '@' itself"),
        ("Example.com", "must be lower case: write 'example.com'"),
        ("b\u00fccher.de", "must be ASCII: write an internationalised name in punycode (xn--...)"),
        ("exa mple.com", "' ' is not allowed in a host name (only a-z 0-9 . -)"),
        ("exa_mple.com", "'_' is not allowed in a host name (only a-z 0-9 . -)"),
        ("-a.com", "label '-a' must not start or end with '-'"),
        ("a..com", "has an empty label (a dot at the start or end, or two dots in a row)"),
        ("example.com.", "has an empty label (a dot at the start or end, or two dots in a row)"),
        ("xn--99999999999.com", "label 'xn--99999999999' is not valid punycode"),
        ("192.168.1.1", "is an IP address or ends in a number: give a host name such as example.com"),
        ("a" * 64 + ".com", "label 'aaaaaaaaaaaaaaaaaaaa'... is 64 characters long, at most 63"),
        (("a" * 63 + ".") * 4 + "com", "is 259 characters long, at most 253"),
        ("example.com", None),
        ("login.example.co.uk", None),
        ("xn--bcher-kva.de", None),
        ("", None),
    ],
)  # fmt: skip
def test_host_names_are_checked_with_a_precise_reason(value: str, problem: str | None) -> None:
    assert host_problem(value) == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (HASH, None),
        ("", None),
        ("FA+9qCX9VS", "must be exactly 11 characters, got 10"),
        ("FA+9qCX9VSuu", "must be exactly 11 characters, got 12"),
        ("FA+9qCX9VS=", "'=' is not allowed: the hash is base64 (A-Z a-z 0-9 + /)"),
        ("FA-9qCX9VSu", "'-' is not allowed: the hash is base64 (A-Z a-z 0-9 + /)"),
    ],
)
def test_app_hashes_are_checked_with_a_precise_reason(value: str, problem: str | None) -> None:
    assert app_hash_problem(value) == problem
