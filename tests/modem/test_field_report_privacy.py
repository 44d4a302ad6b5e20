"""Nothing personal survives the field report's writer.

A transcript full of identifiers (IMEI, IMSI, ICCID in three vendors' forms, the SIM's own
number, the SMS centre, the test recipient), in plain, hex, UCS2-hex and swapped semi-octet
forms, and USSD replies and SMS texts, goes through ``anonymise``; none of those values may
be found in the written JSON in any of their forms, and the placeholders stay consistent
and parseable.
"""

from __future__ import annotations

import json

from otpbroker.domain.field_report import ReportRequest, loads
from otpbroker.modem.field_reports import Recording, anonymise
from otpbroker.modem.identity import parse_identity
from otpbroker.modem.report_script import RawStep

IMEI = "356938035643809"
IMSI = "510108812345678"
ICCID = "8962100012345678901"
MSISDN = "+6281298765432"
SMSC = "+6281100000"
RECIPIENT = "+6285712344321"
USSD_TEXT = "Sisa pulsa Rp 12.345 nomor 081298765432 aktif"
SMS_TEXT = "Kode OTP Anda 482913"


def ucs2(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def ascii_hex(text: str) -> str:
    return text.encode().hex().upper()


def swapped(digits: str) -> str:
    padded = digits + ("F" if len(digits) % 2 else "")
    return "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))


def step(command: str, *lines: str, unsolicited: tuple[str, ...] = ()) -> RawStep:
    return RawStep(command, list(lines), "OK", 3, [(u, 5) for u in unsolicited])


def transcript() -> Recording:
    """A modem whose every reply gives something away (all the forms real modems use)."""
    return Recording(
        startup=[(f"+CPIN: READY {IMEI}", 10)],
        steps=[
            step("ATI", "Manufacturer: QUECTEL", "Model: EC25", f"IMEI: {IMEI}"),
            step("AT+CGMI", "Quectel"),
            step("AT+CGMM", "EC25"),
            step("AT+CGMR", "EC25EFAR06A03M4G"),
            step("AT+CGSN", f"+CGSN: {IMEI}"),
            step("AT+CIMI", IMSI),
            step("AT+CCID", f"+CCID: {ICCID}"),
            step("AT^ICCID?", f"^ICCID: {swapped(ICCID)}"),
            step("AT+QCCID", f"+QCCID: {ICCID}F"),
            step("AT+CNUM", f'+CNUM: "Nomor saya","{MSISDN}",145'),
            step("AT+CNUM", f'+CNUM: "","{ucs2(MSISDN)}",145'),
            step("AT+CSCA?", f'+CSCA: "{SMSC}",145'),
            step("AT+CSCA?", f'+CSCA: "{ascii_hex(SMSC)}",145'),
            step("AT+CSCA?", f'+CSCA: "{ucs2(SMSC)}",145'),
            step("AT+CPIN?", "+CPIN: READY"),
            step('AT+CUSD=1,"*888#",15', unsolicited=(f'+CUSD: 0,"{ucs2(USSD_TEXT)}",72',)),
            step('AT+CUSD=1,"*123#",15', unsolicited=(f'+CUSD: 0,"{USSD_TEXT}",15',)),
            step("AT+CSQ", "+CSQ: 20,99", unsolicited=(
                "+CDS: 25",
                f"0791{swapped(SMSC[1:])}0006000D91{swapped(RECIPIENT[1:])}6221",
                f'+CMT: "{RECIPIENT}",,"26/12/07,05:00:00+28"',
            )),
            RawStep("AT+CMGS=25", [f"+CMGS: 7 {swapped(RECIPIENT[1:])}"], "OK", 900, [], 40,
                    {"sms_text_length": len(SMS_TEXT), "sms_encoding": "gsm7"}),
        ],
    )  # fmt: skip


def forms(value: str) -> set[str]:
    """Every spelling of ``value`` a report could leak."""
    digits = value.lstrip("+")
    found = {value, digits, swapped(digits), ascii_hex(value), ascii_hex(digits),
             ucs2(value), ucs2(digits)}  # fmt: skip
    return found | {f.lower() for f in found}


def written(request: ReportRequest) -> str:
    return anonymise(transcript(), request, "unknown").dumps()


def test_no_identifier_survives_in_any_form():
    text = written(ReportRequest(ussd_code="*888#", sms_to=RECIPIENT))
    for value in (IMEI, IMSI, ICCID, MSISDN, SMSC, RECIPIENT):
        for form in forms(value):
            assert form not in text, (value, form)
    assert "081298765432" not in text and "81298765432" not in text  # national form too


def test_texts_are_kept_only_as_length_and_encoding():
    text = written(ReportRequest(ussd_code="*888#", sms_to=RECIPIENT))
    for secret in (USSD_TEXT, ucs2(USSD_TEXT), SMS_TEXT, "pulsa", ucs2("pulsa")):
        assert secret not in text
    notes = [s.get("note", {}) for s in json.loads(text)["steps"]]
    assert {"ussd_length": len(USSD_TEXT), "ussd_encoding": "ucs2", "dcs": 72,
            "ussd_text": "masked"} in notes  # fmt: skip
    assert {"ussd_length": len(USSD_TEXT), "ussd_encoding": "text", "dcs": 15,
            "ussd_text": "masked"} in notes  # fmt: skip
    assert {"sms_text_length": len(SMS_TEXT), "sms_encoding": "gsm7"} in notes


def test_a_kept_ussd_text_is_still_cleaned_of_numbers():
    text = written(ReportRequest(ussd_code="*888#", include_ussd_text=True))
    assert "Sisa pulsa Rp 12.345 nomor" in text and ucs2("Sisa pulsa") in text
    assert "081298765432" not in text and ucs2("081298765432") not in text


def test_placeholders_are_consistent_and_parse_like_the_real_values():
    report = loads(written(ReportRequest(sms_to=RECIPIENT)).encode())
    replies: dict[str, list[str]] = {}
    for item in report.steps:  # the first reply of each command (plain text)
        replies.setdefault(item.command, list(item.lines))
    identity = parse_identity(replies)
    assert identity.imei and len(identity.imei) == 15 and identity.imei != IMEI
    assert identity.imsi and len(identity.imsi) == 15 and identity.imsi.startswith("00101")
    assert identity.msisdn and identity.msisdn.startswith("+62") and len(identity.msisdn) == 14
    assert identity.smsc and identity.smsc.startswith("+62") and len(identity.smsc) == 11
    ati = next(s for s in report.steps if s.command == "ATI")
    assert f"IMEI: {identity.imei}" in ati.lines  # the same value, the same placeholder
    csca = [s.lines[0] for s in report.steps if s.command == "AT+CSCA?"]
    assert csca == [f'+CSCA: "{form}",145' for form in
                    (identity.smsc, ascii_hex(identity.smsc), ucs2(identity.smsc))]  # fmt: skip
    iccids = [s.lines[0].split(": ")[1] for s in report.steps if "ICCID" in s.command.upper()
              or s.command in ("AT+CCID", "AT+QCCID")]  # fmt: skip
    assert iccids[0] == iccids[2].rstrip("F") and iccids[1] == swapped(iccids[0])
    assert report.modem == {"manufacturer": "Quectel", "model": "EC25",
                            "firmware": "EC25EFAR06A03M4G", "usb": "unknown"}  # fmt: skip


def test_the_pin_cannot_be_asked_for():
    fields = ReportRequest.__dataclass_fields__
    assert not any("pin" in name for name in fields)
