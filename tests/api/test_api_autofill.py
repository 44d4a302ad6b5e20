"""Autofill-ready OTP texts end to end: REST, real config, an emulated modem on a pty."""

from __future__ import annotations

import re
import time

import pytest
from broker_harness import BrokerHarness

from otpbroker.modem.pdu import decode_submit

HASH = "FA+9qCX9VSu"


@pytest.fixture
def one_modem(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    sim, _ = h.add_modem()
    h.start()
    yield h, sim
    h.stop()


def command(h: BrokerHarness, name: str, data: dict) -> tuple[int, dict]:
    status, body, _ = h.request("/api/sms", {"command": name, "data": data})
    return status, body


def test_request_otp_sends_the_autofill_text_as_one_gsm7_part(one_modem):
    h, sim = one_modem
    h.broker.store.update_settings(
        {"otp.domain": "example.com", "otp.iframe_domain": "pay.example.net", "otp.app_hash": HASH}
    )
    status, body = command(h, "request-otp", {"msisdn": "08126666666"})
    assert (status, body["response_code"], body["data"]["parts"]) == (200, "0000", 1), body
    [delivery] = sim.wait_for_deliveries(1)
    match = re.fullmatch(
        r"Your code is (\d{6})\nFA\+9qCX9VSu\n@example\.com #\1 @pay\.example\.net", delivery.text
    )
    assert match, delivery.text
    code = match.group(1)
    assert code not in str(body)
    [part] = sim.log.parts
    decoded = decode_submit(part.pdu)
    assert (decoded.encoding, decoded.concat, decoded.text) == ("gsm7", None, delivery.text)
    verify = {"token": body["data"]["token"], "otp": code}
    assert command(h, "verify-otp", verify)[1]["data"]["result"] == "valid"


def test_send_sms_with_otp_renders_the_template_and_the_origin_line(one_modem):
    h, sim = one_modem
    h.broker.store.update_settings({"otp.domain": "example.com", "otp.template": "Kode {otp}."})
    status, body = command(h, "send-sms", {"msisdn": "08126666666", "otp": "0042", "id": "a1"})
    assert (status, body["response_code"], body["data"]["id"]) == (200, "0000", "a1"), body
    assert "0042" not in str(body)
    [delivery] = sim.wait_for_deliveries(1)
    assert (delivery.to, delivery.text) == ("+628126666666", "Kode 0042.\n@example.com #0042")


def test_send_sms_with_otp_and_no_autofill_is_the_template(one_modem):
    h, sim = one_modem
    assert command(h, "send-sms", {"msisdn": "08126666666", "otp": "9876543210"})[0] == 200
    assert sim.wait_for_deliveries(1)[0].text == "Your code is 9876543210"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"message": "hi", "otp": "1234"}, "give data.message or data.otp, not both"),
        ({"message": None, "otp": "1234"}, "give data.message or data.otp, not both"),
        ({"otp": 123456}, "data.otp must be a string of 4-10 digits 0-9"),
        ({"otp": None}, "data.otp must be a string of 4-10 digits 0-9"),
        ({"otp": "12a4"}, "data.otp must be a string of 4-10 digits 0-9"),
        ({"otp": "\u0661\u0662\u0663\u0664"}, "data.otp must be a string of 4-10 digits 0-9"),
        ({"otp": "123"}, "data.otp must have 4-10 digits, got 3"),
        ({"otp": "12345678901"}, "data.otp must have 4-10 digits, got 11"),
        ({}, "data.message is required (or data.otp: the device writes the text)"),
    ],
)
def test_bad_otp_fields_are_400_and_nothing_is_sent(one_modem, data, text):
    h, sim = one_modem
    status, body = command(h, "send-sms", {"msisdn": "08126666666", **data})
    assert (status, body["response_code"], body["response_text"]) == (400, "1211", text)
    time.sleep(0.2)
    assert sim.log.parts == []


def test_a_text_over_one_part_is_refused_at_send_time_not_split(one_modem):
    h, sim = one_modem
    template = "{otp} " + "x" * 127  # 4 digits: 132 + 1 + 18 = 151 septets; 10 digits: 163
    h.broker.store.update_settings(
        {"otp.digits": 4, "otp.template": template, "otp.domain": "example.com"}
    )
    assert command(h, "send-sms", {"msisdn": "08126666666", "otp": "1234"})[0] == 200
    assert len(sim.wait_for_deliveries(1)) == 1
    status, body = command(h, "send-sms", {"msisdn": "08126666666", "otp": "1234567890"})
    assert (status, body["response_code"]) == (400, "1204"), body
    assert body["response_text"] == (
        "the text takes 163 septets (^ { } \\ [ ~ ] | and the euro sign count 2), "
        "one GSM 7-bit part holds 160: 3 too many"
    )
    assert "1234567890" not in str(body)
    time.sleep(0.2)
    assert len(sim.log.parts) == 1
