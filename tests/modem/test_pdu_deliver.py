"""SMS-DELIVER: public vectors, alphanumeric senders, UCS2 with emoji, multipart round trips."""

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otpbroker.modem.pdu import (
    PduError,
    decode_deliver,
    decode_submit,
    encode_deliver,
    encode_submit,
    first_octet,
)
from otpbroker.modem.pdu.errors import InvalidNumberError
from otpbroker.modem.pdu.segment import normalise_ucs2

WHEN = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
GSM_CHARS = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\x0c"
)
SETTINGS = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])


def _joined(pdus: list[str]) -> str:
    parts = [decode_deliver(p) for p in pdus]
    if len(parts) > 1:
        parts.sort(key=lambda p: p.concat[2] if p.concat else 0)
    return normalise_ucs2("".join(p.text for p in parts))


def test_public_vector_national_sender_hellohello() -> None:
    # The classic SMS-DELIVER example: SMSC +27381000015, sender 27838890001 (national
    # numbering plan), 29 March (20)99 15:16:59 +02:00, "hellohello".
    pdu = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
    sms = decode_deliver(pdu)
    assert sms.smsc == "+27381000015"
    assert sms.sender == "27838890001"
    assert not sms.alphanumeric
    assert sms.text == "hellohello"
    assert sms.encoding == "gsm7"
    assert sms.sent_at == datetime(2099, 3, 29, 15, 16, 59, tzinfo=timezone(timedelta(hours=2)))
    assert sms.concat is None
    assert first_octet(pdu) == 0x04


def test_alphanumeric_sender_decoded_from_packed_gsm7() -> None:
    # TOA D0 (alphanumeric), 7 semi-octets: "INFO" (4 septets packed: 49 A7 F1 09), then
    # PID 00, DCS 00, time stamp, "Hello" (the packing of the public "Hello World!" vector).
    pdu = "000407D049A7F10900006221701020304005C8329BFD06"
    sms = decode_deliver(pdu)
    assert (sms.sender, sms.alphanumeric, sms.text) == ("INFO", True, "Hello")
    plus_one = timezone(timedelta(hours=1))  # zone octet 40: four quarter hours
    assert sms.sent_at == datetime(2026, 12, 7, 1, 2, 3, tzinfo=plus_one)
    for name in ("Telkomsel", "INFO", "AXIS", "My-Bank 24"):
        (encoded,) = encode_deliver(name, "Sisa pulsa Rp.3000", when=WHEN)
        back = decode_deliver(encoded)
        assert (back.sender, back.alphanumeric, back.text) == (name, True, "Sisa pulsa Rp.3000")


def test_ucs2_with_emoji_and_sc_time() -> None:
    (pdu,) = encode_deliver("+6281234567890", "OTP 😀 ok", when=WHEN, smsc="+6281100000")
    assert "004F005400500020D83DDE00" in pdu
    sms = decode_deliver(pdu)
    assert (sms.sender, sms.text, sms.encoding, sms.sent_at) == (
        "+6281234567890", "OTP 😀 ok", "ucs2", WHEN)  # fmt: skip
    assert sms.smsc == "+6281100000"


def test_multipart_gsm7_and_16_bit_reference() -> None:
    text = "".join(chr(65 + i % 26) for i in range(400)) + "{}€"
    for reference in (7, 0x1234):
        pdus = encode_deliver("+4915112345678", text, when=WHEN, reference=reference)
        parts = [decode_deliver(p) for p in pdus]
        assert len(parts) == 3
        assert {p.concat for p in parts} == {(reference, 3, n) for n in (1, 2, 3)}
        assert _joined(list(reversed(pdus))) == text


def test_surrogate_pair_split_across_parts_is_joined() -> None:
    text = "x" * 66 + "😀" * 10
    pdus = encode_deliver("+4915112345678", text, when=WHEN, reference=3)
    assert len(pdus) == 2
    assert _joined(pdus) == text


def test_eight_bit_data_and_pid() -> None:
    # 8-bit DCS 04, PID 0x40 (short message type 0): one character per octet.
    pdu = "0004" + "0B912143658709F0" + "40" + "04" + "62217010203040" + "03414243"
    sms = decode_deliver(pdu)
    assert (sms.sender, sms.pid, sms.encoding, sms.text) == ("+12345678900", 0x40, "8bit", "ABC")


def test_udl_is_trusted_over_trailing_octets() -> None:
    (pdu,) = encode_deliver("+4915112345678", "hello", when=WHEN)
    assert decode_deliver(pdu + "FFFF").text == "hello"


@pytest.mark.parametrize(
    ("pdu", "message"),
    [
        ("", "empty"),
        ("0011000B916407281553F80000AA0AE8329BFD4697D9EC37", "not an SMS-DELIVER"),
        ("0004", "truncated"),
        ("00040B916407281553F800006221701020304005E8329BFD", "truncated"),
        ("zz", "non-hex"),
    ],
)
def test_bad_pdus_raise_precise_errors(pdu: str, message: str) -> None:
    with pytest.raises(PduError, match=message):
        decode_deliver(pdu)


def test_bad_senders_are_refused() -> None:
    for sender in ("", "Far-too-long-a-name", "Привет"):
        with pytest.raises((InvalidNumberError, PduError)):
            encode_deliver(sender, "hi", when=WHEN)
    with pytest.raises(ValueError, match="reference"):
        encode_deliver("+1234", "hi", reference=70000)


def test_a_deliver_is_not_a_submit() -> None:
    (pdu,) = encode_deliver("+4915112345678", "hello", when=WHEN)
    with pytest.raises(PduError, match="SMS-SUBMIT"):
        decode_submit(pdu)
    (submit,) = encode_submit("+4915112345678", "hello")
    assert first_octet(submit.hex) & 3 == 1


@SETTINGS
@given(
    sender=st.one_of(
        st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True),
        st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0-. ",
            min_size=1,
            max_size=11,
        ).filter(lambda s: not s.lstrip("+").isdigit()),
    ),
    text=st.one_of(
        st.text(alphabet=GSM_CHARS, min_size=1, max_size=500),
        st.text(alphabet=GSM_CHARS + "ж😀中", min_size=1, max_size=300),
    ),
    reference=st.integers(min_value=0, max_value=0xFFFF),
)
def test_round_trip(sender: str, text: str, reference: int) -> None:
    pdus = encode_deliver(sender, text, when=WHEN, reference=reference)
    parts = [decode_deliver(p) for p in pdus]
    assert all(p.sender == sender for p in parts)
    assert all(p.sent_at == WHEN for p in parts)
    if len(parts) > 1:
        assert [p.concat for p in parts] == [(reference, len(parts), n)
                                             for n in range(1, len(parts) + 1)]  # fmt: skip
    assert _joined(pdus) == normalise_ucs2(text)


@SETTINGS
@given(st.binary(min_size=1, max_size=200))
def test_fuzzed_bytes_only_raise_pdu_errors(data: bytes) -> None:
    with contextlib.suppress(PduError):
        decode_deliver(data.hex())
