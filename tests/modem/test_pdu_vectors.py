"""Public SMS PDU vectors (FIELD-NOTES "SMS PDU"): the encoder and the decoder reproduce each."""

from datetime import UTC, datetime, timedelta, timezone

from otpbroker.modem.pdu import (
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

HELLO = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
HELLO_WORLD = "0001000B917228001011F100000CC8329BFD065DDF72363904"
UCS2_SMSC = "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01"
B200_PART1_PREFIX = "0041000B915121551532F40000A00500030702018442A15028140A85"
B200_PART2 = (
    "0041000B915121551532F40000360500030702028442A15028140A8542A15028140A8542A15028140A85"
    "42A15028140A8542A15028140A8542A150281402"
)
WORLD_HELLO = "世界您好\uff01"  # ends in a FULLWIDTH EXCLAMATION MARK
STATUS_REPORT = "0006D60B911326880736F4111011719551401110117195714000"


def test_hellohello_with_relative_validity() -> None:
    pdus = encode_submit("+46708251358", "hellohello", validity=0xAA)
    assert len(pdus) == 1
    assert pdus[0].hex == HELLO
    assert pdus[0].tpdu_length == 23

    decoded = decode_submit(HELLO)
    assert decoded.destination == "+46708251358"
    assert decoded.text == "hellohello"
    assert decoded.encoding == "gsm7"
    assert decoded.validity == 0xAA
    assert decoded.message_ref == 0
    assert decoded.status_report is False
    assert decoded.concat is None
    assert decoded.smsc is None


def test_hello_world_without_validity() -> None:
    pdus = encode_submit("+27820001111", "Hello World!")
    assert [p.hex for p in pdus] == [HELLO_WORLD]
    assert pdus[0].tpdu_length == len(HELLO_WORLD) // 2 - 1

    decoded = decode_submit(HELLO_WORLD)
    assert decoded.destination == "+27820001111"
    assert decoded.text == "Hello World!"
    assert decoded.validity is None


def test_ucs2_with_smsc_and_validity() -> None:
    pdus = encode_submit("+123456789", WORLD_HELLO, smsc="+44000000000", validity=0xF4)
    assert [p.hex for p in pdus] == [UCS2_SMSC]
    assert pdus[0].tpdu_length == len(UCS2_SMSC) // 2 - 8

    decoded = decode_submit(UCS2_SMSC)
    assert decoded.smsc == "+44000000000"
    assert decoded.destination == "+123456789"
    assert decoded.text == WORLD_HELLO
    assert decoded.encoding == "ucs2"
    assert decoded.validity == 0xF4


def test_decoder_accepts_lower_case_and_no_smsc_field() -> None:
    assert decode_submit(HELLO.lower()).text == "hellohello"
    assert decode_submit(HELLO[2:], with_smsc=False).text == "hellohello"


def test_ucs2_user_data_of_emoji() -> None:
    (pdu,) = encode_submit("+4670", "OTP 😀")
    assert pdu.hex.endswith("0C004F005400500020D83DDE00")
    assert pdu.hex[-28:-26] == "08"  # DCS UCS2 (no TP-VP) right before UDL
    assert decode_submit(pdu.hex).text == "OTP 😀"


def test_septets_with_trailing_at_sign() -> None:
    septets = gsm7_encode("abcdefg@")
    assert len(septets) == 8
    assert pack_septets(septets).hex().upper() == "61F1985C369F01"
    assert gsm7_decode(unpack_septets(bytes.fromhex("61F1985C369F01"), 8)) == "abcdefg@"

    (pdu,) = encode_submit("+4670", "abcdefg@")
    assert pdu.hex.endswith("0861F1985C369F01")
    assert decode_submit(pdu.hex).text == "abcdefg@"


def test_200_b_concatenated_with_reference_7() -> None:
    pdus = encode_submit("+15125551234", "B" * 200, reference=7)
    assert len(pdus) == 2
    assert pdus[0].hex.startswith(B200_PART1_PREFIX)
    assert pdus[1].hex == B200_PART2
    for pdu in pdus:
        assert pdu.tpdu_length == len(pdu.hex) // 2 - 1

    first, second = (decode_submit(p.hex) for p in pdus)
    assert first.concat == (7, 2, 1)
    assert second.concat == (7, 2, 2)
    assert first.text == "B" * 153
    assert second.text == "B" * 47


def test_200_b_message_ref_lands_in_tp_mr() -> None:
    pdus = encode_submit("+15125551234", "B" * 200, reference=7, message_ref=0x5A)
    assert pdus[1].hex == B200_PART2[:4] + "5A" + B200_PART2[6:]
    assert all(decode_submit(p.hex).message_ref == 0x5A for p in pdus)


def test_status_report_vector() -> None:
    report = decode_status_report(STATUS_REPORT)
    assert report.message_ref == 214
    assert report.recipient == "+31628870634"
    assert report.status == 0
    assert report.delivered is True
    assert report.final is True
    plus_one = timezone(timedelta(hours=1))
    assert report.service_centre_time == datetime(2011, 1, 11, 17, 59, 15, tzinfo=plus_one)
    assert report.discharge_time == datetime(2011, 1, 11, 17, 59, 17, tzinfo=plus_one)
    assert report.service_centre_time.utcoffset() == timedelta(hours=1)


def test_status_report_vector_is_reproduced_by_the_encoder() -> None:
    report = decode_status_report(STATUS_REPORT)
    encoded = encode_status_report(
        214,
        "+31628870634",
        0,
        report.service_centre_time,
        discharge_time=report.discharge_time,
    )
    assert encoded == STATUS_REPORT
    assert decode_status_report(STATUS_REPORT.lower()) == report
    assert decode_status_report(STATUS_REPORT[2:], with_smsc=False) == report


def test_status_report_encoder_default_uses_when_for_both_times() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    report = decode_status_report(encode_status_report(3, "12345", 0x30, when))
    assert report.service_centre_time == report.discharge_time == when
    assert report.recipient == "12345"
    assert report.status == 0x30
    assert report.delivered is False
    assert report.final is False


def test_ussd_ucs2_cyrillic() -> None:
    payload, dcs = encode_ussd_reply("Баланс 100", "ucs2")
    assert payload == "04110430043B0430043D04410020003100300030"
    assert dcs == 72
    assert decode_ussd(payload, 72) == "Баланс 100"
    assert decode_ussd(payload.lower(), 0x48, "UCS2") == "Баланс 100"
    assert decode_ussd("0414043B044F002004420435044104420430", 72) == "Для теста"


def test_ussd_ascii_hex_with_dcs_0() -> None:
    assert decode_ussd("536973612070756C7361", 0) == "Sisa pulsa"
    assert encode_ussd_reply("Sisa pulsa", "ascii-hex") == ("536973612070756C7361", 0)


def test_ussd_packed_gsm7_with_dcs_15() -> None:
    assert encode_ussd_request_packed("*100#") == "AA180C3602"
    assert decode_ussd("AA180C3602", 15) == "*100#"
    assert decode_ussd(encode_ussd_request_packed("*888#"), 15) == "*888#"
    payload, dcs = encode_ussd_reply("Your balance is 5.00 USD", "gsm7-packed")
    assert dcs == 15
    assert decode_ussd(payload, dcs) == "Your balance is 5.00 USD"


def test_ussd_plain_text_passes_through() -> None:
    assert decode_ussd("Your balance is 5.00 USD", 15) == "Your balance is 5.00 USD"
    assert decode_ussd("Saldo anda Rp 1.000\r", 15) == "Saldo anda Rp 1.000"
    assert encode_ussd_reply("Saldo 5", "gsm7") == ("Saldo 5", 15)


def test_ussd_ucs2_charset_with_gsm_dcs() -> None:
    payload = "Balance: 12.50 EUR".encode("utf-16-be").hex().upper()
    assert decode_ussd(payload, 15, "UCS2") == "Balance: 12.50 EUR"
