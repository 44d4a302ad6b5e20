"""Boundaries, invalid input and malformed PDUs for the SMS PDU codec."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from otpbroker.modem.pdu import (
    EmptyMessageError,
    InvalidNumberError,
    MessageTooLongError,
    PduError,
    choose_encoding,
    count_parts,
    decode_status_report,
    decode_submit,
    decode_ussd,
    encode_status_report,
    encode_submit,
    encode_ussd_reply,
    encode_ussd_request_packed,
    gsm7_decode,
    gsm7_encode,
    pack_septets,
    unpack_septets,
)

HEX = re.compile(r"[0-9A-F]+")
NUMBER = "+4670123456"
STATUS_REPORT = "0006D60B911326880736F4111011719551401110117195714000"


def texts(number: str, text: str, **kwargs: object) -> list[str]:
    """The decoded text of every part."""
    return [decode_submit(p.hex).text for p in encode_submit(number, text, **kwargs)]


# --- encoding choice and part counts ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "gsm7"),
        ("^{}\\[~]|€\x0c", "gsm7"),
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ ¤¡ÄÖÑÜ§¿äöñüà", "gsm7"),
        ("ç", "ucs2"),  # only the capital Ç is in the default alphabet
        ("Привет", "ucs2"),
        ("\x1b", "ucs2"),  # ESC is not a character
        ("😀", "ucs2"),
        ("", "gsm7"),
    ],
)
def test_choose_encoding(text: str, expected: str) -> None:
    assert choose_encoding(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, ("gsm7", 1)),
        ("a" * 161, ("gsm7", 2)),
        ("a" * 306, ("gsm7", 2)),
        ("a" * 307, ("gsm7", 3)),
        ("€" * 80, ("gsm7", 1)),
        ("€" * 80 + "a", ("gsm7", 2)),
        ("ж" * 70, ("ucs2", 1)),
        ("ж" * 71, ("ucs2", 2)),
        ("ж" * 134, ("ucs2", 2)),
        ("ж" * 135, ("ucs2", 3)),
        ("😀" * 35, ("ucs2", 1)),
        ("😀" * 35 + "a", ("ucs2", 2)),
    ],
)
def test_count_parts_boundaries(text: str, expected: tuple[str, int]) -> None:
    assert count_parts(text) == expected
    pdus = encode_submit(NUMBER, text, max_parts=255)
    assert len(pdus) == expected[1]
    assert "".join(decode_submit(p.hex).text for p in pdus) == text


def test_count_parts_empty() -> None:
    with pytest.raises(EmptyMessageError):
        count_parts("")


def test_single_and_multipart_udl() -> None:
    (single,) = encode_submit(NUMBER, "a" * 160)
    assert single.hex[24:26] == "A0"  # UDL 160 septets, no UDHI
    assert int(single.hex[2:4], 16) & 0x40 == 0
    parts = encode_submit(NUMBER, "a" * 306)
    assert [decode_submit(p.hex).text for p in parts] == ["a" * 153, "a" * 153]
    assert all(p.hex[24:26] == "A0" for p in parts)  # 7 header septets + 153
    assert all(int(p.hex[2:4], 16) & 0x40 for p in parts)


@pytest.mark.parametrize("escape_char", ["€", "{", "\x0c"])
def test_escape_pair_never_straddles_a_part(escape_char: str) -> None:
    text = "a" * 152 + escape_char + "b" * 10
    pdus = encode_submit(NUMBER, text)
    parts = [decode_submit(p.hex).text for p in pdus]
    assert parts == ["a" * 152, escape_char + "b" * 10]
    assert pdus[0].hex[24:26] == f"{7 + 152:02X}"


def test_escape_pair_that_fits_exactly_stays() -> None:
    text = "a" * 151 + "€" + "b" * 10
    assert texts(NUMBER, text) == ["a" * 151 + "€", "b" * 10]


def test_surrogate_pair_never_straddles_a_part() -> None:
    text = "ж" * 66 + "😀" + "b" * 10
    pdus = encode_submit(NUMBER, text)
    assert [decode_submit(p.hex).text for p in pdus] == ["ж" * 66, "😀" + "b" * 10]
    assert pdus[0].hex[24:26] == f"{6 + 132:02X}"


def test_lone_surrogate_code_points_forming_a_pair_are_kept_together() -> None:
    text = "ж" * 66 + "\ud83d\ude00" + "b" * 5
    assert texts(NUMBER, text) == ["ж" * 66, "😀bbbbb"]


def test_max_parts_exceeded() -> None:
    with pytest.raises(MessageTooLongError) as info:
        encode_submit(NUMBER, "a" * 1000, max_parts=3)
    assert info.value.parts_needed == 7
    assert info.value.max_parts == 3
    assert "7" in str(info.value)
    assert "3" in str(info.value)
    assert isinstance(info.value, PduError)
    assert len(encode_submit(NUMBER, "a" * 1000, max_parts=7)) == 7


def test_empty_text() -> None:
    with pytest.raises(EmptyMessageError):
        encode_submit(NUMBER, "")


@pytest.mark.parametrize(
    "number",
    [
        "",
        "+",
        "++4670",
        "abc",
        "+46 70 123",
        " 4670",
        "4670 ",
        "46-70",
        "+4670\n",
        "1" * 21,
        "+" + "1" * 21,
        "٣٣٣",
        "+46\uff170",
    ],
)
def test_invalid_numbers(number: str) -> None:
    with pytest.raises(InvalidNumberError):
        encode_submit(number, "hi")
    with pytest.raises(InvalidNumberError):
        encode_submit(NUMBER, "hi", smsc=number)
    with pytest.raises(InvalidNumberError):
        encode_status_report(1, number, 0, datetime(2024, 1, 1, tzinfo=UTC))


def test_invalid_number_messages_are_precise() -> None:
    with pytest.raises(InvalidNumberError, match="empty"):
        encode_submit("", "hi")
    with pytest.raises(InvalidNumberError, match="no digits"):
        encode_submit("+", "hi")
    with pytest.raises(InvalidNumberError, match="' '"):
        encode_submit("+46 70", "hi")
    with pytest.raises(InvalidNumberError, match="21 digits"):
        encode_submit("1" * 21, "hi")


def test_number_types() -> None:
    (intl,) = encode_submit("+" + "9" * 20, "x")
    assert intl.hex[6:10] == "1491"
    assert decode_submit(intl.hex).destination == "+" + "9" * 20
    (plain,) = encode_submit("5", "x")
    assert plain.hex[6:12] == "0181F5"
    assert decode_submit(plain.hex).destination == "5"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reference": 256},
        {"reference": -1},
        {"message_ref": 256},
        {"validity": 256},
        {"validity": -1},
        {"max_parts": 0},
        {"reference": True},
    ],
)
def test_out_of_range_integers(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        encode_submit(NUMBER, "hi", **kwargs)


def test_flags_and_fields() -> None:
    (pdu,) = encode_submit(NUMBER, "hi", status_report=True, message_ref=255, validity=0)
    decoded = decode_submit(pdu.hex)
    assert decoded.status_report is True
    assert decoded.message_ref == 255
    assert decoded.validity == 0
    assert int(pdu.hex[2:4], 16) == 0x31


def test_reference_only_used_when_multipart() -> None:
    single = encode_submit(NUMBER, "hi", reference=99)
    assert decode_submit(single[0].hex).concat is None
    assert "050003" not in single[0].hex
    multi = encode_submit(NUMBER, "ж" * 100, reference=255)
    assert [decode_submit(p.hex).concat for p in multi] == [(255, 2, 1), (255, 2, 2)]


@pytest.mark.parametrize(
    "text",
    ["\x1a", "\x1b", "\r", '"', 'x\x1aAT+CMGD=1,4\r"\x1b', 'AT+CMGS="+1"\r\x1a', '\r\n"'],
)
def test_control_characters_encode_to_pure_hex(text: str) -> None:
    for pdu in encode_submit(NUMBER, text, smsc="+4412"):
        assert HEX.fullmatch(pdu.hex)
        assert decode_submit(pdu.hex).text == text


# --- decoders reject malformed input with PduError only ------------------------------------


VALID = {
    "submit": encode_submit(NUMBER, "hello", smsc="+4412", validity=1)[0].hex,
    "ucs2": encode_submit(NUMBER, "привет 😀")[0].hex,
    "multi": encode_submit(NUMBER, "x" * 200, reference=3)[1].hex,
    "vp": "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_truncation_of_a_submit_raises_pdu_error(name: str) -> None:
    pdu = VALID[name]
    for end in range(len(pdu)):
        with pytest.raises(PduError):
            decode_submit(pdu[:end])


def test_every_truncation_of_a_status_report_raises_pdu_error() -> None:
    for end in range(len(STATUS_REPORT)):
        with pytest.raises(PduError):
            decode_status_report(STATUS_REPORT[:end])


GARBAGE = [
    "",
    "   ",
    "0",
    "ZZ",
    "0G",
    "00 11",
    "hello",
    "\x00",
    "FF" * 3,
    "00" * 200,
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "0001",
    "000100",
]


@pytest.mark.parametrize("garbage", GARBAGE)
@pytest.mark.parametrize("with_smsc", [True, False])
def test_garbage_raises_pdu_error(garbage: str, with_smsc: bool) -> None:
    with pytest.raises(PduError):
        decode_submit(garbage, with_smsc=with_smsc)
    with pytest.raises(PduError):
        decode_status_report(garbage, with_smsc=with_smsc)


@pytest.mark.parametrize("value", [None, 12, b"0011"])
def test_non_string_input_raises_pdu_error(value: object) -> None:
    with pytest.raises(PduError):
        decode_submit(value)  # type: ignore[arg-type]
    with pytest.raises(PduError):
        decode_status_report(value)  # type: ignore[arg-type]


def test_wrong_message_type() -> None:
    with pytest.raises(PduError, match="SMS-SUBMIT"):
        decode_submit(STATUS_REPORT)
    with pytest.raises(PduError, match="STATUS-REPORT"):
        decode_status_report(VALID["submit"])


def test_trailing_octets_after_user_data() -> None:
    with pytest.raises(PduError, match="unexpected"):
        decode_submit(VALID["submit"] + "00")


def test_udl_beyond_limits() -> None:
    with pytest.raises(PduError):
        decode_submit("0001000281F50000A1" + "00" * 141)  # 161 septets
    with pytest.raises(PduError):
        decode_submit("0001000281F500088D" + "00" * 141)  # 141 octets


def test_udh_longer_than_user_data() -> None:
    with pytest.raises(PduError):
        decode_submit("0041000281F500000306" + "0000")
    with pytest.raises(PduError):  # UDH of 7 octets needs 8 septets, UDL says 3
        decode_submit("0041000281F500000306000301010100")


def test_invalid_timestamp_digits_and_dates() -> None:
    bad_month = STATUS_REPORT.replace("11101171955140", "11311171955140", 1)
    with pytest.raises(PduError, match="date"):
        decode_status_report(bad_month)
    bad_digit = STATUS_REPORT.replace("11101171955140", "1A101171955140", 1)
    with pytest.raises(PduError, match="decimal"):
        decode_status_report(bad_digit)


# --- decoder features ----------------------------------------------------------------------


def test_sixteen_bit_concatenation_reference() -> None:
    # UDH 06 08 04 12 34 03 02 + "hi" in UCS2
    pdu = "0041000281F500080B060804123403020068006900"[:-2]
    decoded = decode_submit(pdu)
    assert decoded.concat == (0x1234, 3, 2)
    assert decoded.text == "hi"


def test_invalid_concat_ie_is_ignored() -> None:
    decoded = decode_submit("0041000281F500080A0500030103040068006900"[:-2])
    assert decoded.concat is None  # sequence 4 > total 3
    assert decoded.text == "hi"


def test_absolute_validity_is_skipped() -> None:
    pdu = "0019000281F50000" + "11101171955140" + "02E834"
    decoded = decode_submit(pdu)
    assert decoded.validity is None
    assert decoded.text == "hi"


def test_eight_bit_data_and_alphanumeric_address() -> None:
    # TP-DA "Test" alphanumeric (TON 101): length counts the semi-octets of packed data
    packed = pack_septets(gsm7_encode("Test")).hex().upper()
    pdu = f"0001000{len(packed):X}D0{packed}0004" + "03616263"
    decoded = decode_submit(pdu)
    assert decoded.destination == "Test"
    assert decoded.encoding == "8bit"
    assert decoded.text == "abc"


def test_status_report_statuses() -> None:
    when = datetime(2030, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=5, minutes=45)))
    for status, delivered, final in [
        (0x00, True, True),
        (0x02, True, True),
        (0x20, False, False),
        (0x3F, False, False),
        (0x40, False, True),
        (0x65, False, True),
    ]:
        report = decode_status_report(encode_status_report(9, "+1555", status, when))
        assert (report.delivered, report.final) == (delivered, final)
        assert report.service_centre_time == when
        assert report.service_centre_time.utcoffset() == when.utcoffset()


def test_status_report_encoder_time_zones() -> None:
    naive = datetime(2024, 2, 29, 12, 0, 0)
    assert decode_status_report(encode_status_report(1, "1", 0, naive)).discharge_time == (
        naive.replace(tzinfo=UTC)
    )
    odd = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(minutes=7)))
    decoded = decode_status_report(encode_status_report(1, "1", 0, odd))
    assert decoded.service_centre_time == odd  # same instant, expressed in UTC
    with pytest.raises(ValueError):
        encode_status_report(1, "1", 0, datetime(1999, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        encode_status_report(256, "1", 0, naive)


def test_status_report_with_trailing_optional_parameters() -> None:
    assert decode_status_report(STATUS_REPORT + "0300000000").message_ref == 214


# --- GSM 7-bit primitives ------------------------------------------------------------------


def test_gsm7_primitives() -> None:
    assert gsm7_encode("€a") == [0x1B, 0x65, 0x61]
    assert gsm7_decode([0x1B, 0x65, 0x61]) == "€a"
    assert gsm7_decode([0x1B, 0x41]) == "A"  # unknown extension: default character
    assert gsm7_decode([0x41, 0x1B]) == "A "
    with pytest.raises(PduError):
        gsm7_encode("ç")
    with pytest.raises(PduError):
        gsm7_decode([128])
    with pytest.raises(PduError):
        pack_septets([200])
    with pytest.raises(PduError):
        unpack_septets(b"\x00", 2)
    with pytest.raises(PduError):
        pack_septets([1], fill_bits=7)
    assert pack_septets([0x42], fill_bits=1) == b"\x84"
    assert unpack_septets(b"\x84", 1, fill_bits=1) == [0x42]


# --- USSD ----------------------------------------------------------------------------------


def test_ussd_packed_cr_padding() -> None:
    seven = "1234567"  # 7 septets: 7 spare bits get a CR
    payload = encode_ussd_request_packed(seven)
    assert len(payload) == 14
    assert decode_ussd(payload, 15) == seven
    with_cr = "abcdefg\r"  # a wanted CR on an octet boundary gets a second CR
    payload, _ = encode_ussd_reply(with_cr, "gsm7-packed")
    assert decode_ussd(payload, 15) == with_cr + "\r"


@pytest.mark.parametrize(
    ("payload", "dcs", "charset"),
    [
        ("", 15, "GSM"),
        ("ZZZ", 72, "GSM"),
        ("0041", 0x48, "GSM"),
        ("D83D", 72, "GSM"),
        ("123", 72, "UCS2"),
        ("1000", 15, "GSM"),
        ("FFFF", 15, "GSM"),
        ("00", 0x44, "GSM"),
        ("4142", 300, "GSM"),
        ("4142", -1, "IRA"),
        ("4142", 0x60, "GSM"),
        ("\x00\r", 0, "UCS2"),
    ],
)
def test_ussd_odd_input_never_raises(payload: str, dcs: int, charset: str) -> None:
    assert isinstance(decode_ussd(payload, dcs, charset), str)


def test_ussd_fallbacks() -> None:
    assert decode_ussd("1000", 15) == "1000"  # neither ASCII nor plausible 7-bit
    assert decode_ussd("D83D", 72) == "D83D"  # lone surrogate
    assert decode_ussd("4142", 0x44) == "AB"  # 8-bit
    assert decode_ussd("0041", 0x48) == "A"
    assert decode_ussd("C3A9", 0x44) == "é"
    assert decode_ussd("4142", 0x60) == "4142"  # compressed


def test_ussd_encoder_rejects_bad_input() -> None:
    with pytest.raises(PduError):
        encode_ussd_request_packed("")
    with pytest.raises(PduError):
        encode_ussd_request_packed("*ж#")
    with pytest.raises(PduError):
        encode_ussd_reply("é", "ascii-hex")
    with pytest.raises(PduError):
        encode_ussd_reply("ж", "gsm7")
    with pytest.raises(ValueError, match="style"):
        encode_ussd_reply("x", "morse")
