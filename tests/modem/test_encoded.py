"""A message encoded once gives every modem exactly the PDUs ``pdu.encode_submit`` would.

Only the modem's own octets (SMS centre, validity, status-report request, concatenation
reference) are added per attempt; the same encoding serves every modem and every retry.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otpbroker.modem import pdu
from otpbroker.modem.encoded import encode_sms

GSM_CHARS = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\x0c"
)
SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])

numbers = st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True)
texts = st.one_of(
    st.text(max_size=600).filter(bool),
    st.text(alphabet=GSM_CHARS, min_size=1, max_size=1600),
    st.text(alphabet=GSM_CHARS + "ж😀", min_size=1, max_size=700),
)
smscs = st.one_of(st.none(), st.just(""), st.from_regex(r"\+?[0-9]{1,12}", fullmatch=True))
octets = st.integers(min_value=0, max_value=255)


@SETTINGS
@given(numbers, texts, smscs, st.one_of(st.none(), octets), st.booleans(), octets)
def test_the_pdus_are_those_of_encode_submit(number, text, smsc, validity, report, reference):
    options = {"smsc": smsc, "validity": validity, "status_report": report}
    try:
        expected = pdu.encode_submit(number, text, reference=reference, max_parts=255, **options)
    except pdu.PduError as exc:
        with pytest.raises(type(exc)):
            encode_sms(number, text, max_parts=255).pdus(reference=reference, **options)
        return
    encoded = encode_sms(number, text, max_parts=255)
    assert encoded.pdus(reference=reference, **options) == expected
    assert encoded.parts == len(expected)


def test_one_encoding_serves_modems_with_different_settings():
    encoded = encode_sms("+628126666666", "Kode OTP 123456 " * 12)
    for options in ({}, {"smsc": "+6281100000", "validity": 167, "status_report": True}):
        for reference in (0, 7, 255):
            assert encoded.pdus(reference=reference, **options) == pdu.encode_submit(
                "+628126666666", "Kode OTP 123456 " * 12, reference=reference, **options
            )


@pytest.mark.parametrize(
    ("number", "text", "max_parts", "error"),
    [
        ("+628126666666", "", 10, pdu.EmptyMessageError),
        ("+628126666666", "x" * (153 * 10 + 1), 10, pdu.MessageTooLongError),
        ("+628126666666", "y" * 400, 2, pdu.MessageTooLongError),
        ("0812 666", "hi", 10, pdu.InvalidNumberError),
        ("+" + "1" * 21, "hi", 10, pdu.InvalidNumberError),
    ],
)
def test_errors_are_the_codecs(number, text, max_parts, error):
    with pytest.raises(error) as expected:
        pdu.encode_submit(number, text, max_parts=max_parts)
    with pytest.raises(error) as raised:
        encode_sms(number, text, max_parts=max_parts)
    assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize("bad", [0, -1, True, 2.0])
def test_a_bad_part_limit_is_refused(bad):
    with pytest.raises(ValueError, match="max_parts"):
        encode_sms("+628126666666", "hi", max_parts=bad)


@pytest.mark.parametrize(("name", "value"), [("reference", 256), ("validity", -1)])
def test_a_bad_octet_is_refused(name, value):
    with pytest.raises(ValueError, match=name):
        encode_sms("+628126666666", "hi").pdus(**{name: value})


def test_the_text_is_never_shown():
    encoded = encode_sms("+628126666666", "Kode OTP 918273")
    assert repr(encoded) == "EncodedMessage(<1 parts>)"
    assert "918273" not in str(encoded)
