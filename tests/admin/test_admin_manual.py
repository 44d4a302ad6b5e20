"""Manual SMS and USSD from the admin, through the chosen emulated modem."""

from __future__ import annotations

import html
import logging
import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

SECRET_TEXT = "Kode OTP Anda 731904, jangan bagikan kode ini — berlaku 5 menit."


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()  # sim 0: API and manual
    h.add_modem(send_from_api=False)  # sim 1: manual SMS only
    h.add_modem(active=False)  # sim 2: inactive, never used
    h.start()
    yield h
    h.stop()


def outcome(text):
    match = re.search(r'<section class="card outcome-card (\w+)"[^>]*>\s*<h2>([^<]*)</h2>\s*<p>([^<]*)</p>',
                      text)  # fmt: skip
    assert match, text[text.find("<main>") :][:1500]
    return match.group(1), match.group(2), html.unescape(match.group(3))


def error_of(text, field):
    match = re.search(rf'<small class="error" id="e-{field}">([^<]*)</small>', text)
    return html.unescape(match.group(1)) if match else None


def leaked(records, secret):
    for record in records:
        if (
            secret in record.getMessage()
            or secret in repr(record.args)
            or secret in str(record.msg)
        ):
            return record
    return None


def test_every_route_needs_a_session(admin, harness):
    anonymous = AdminClient(harness.base)
    for path in ("/manual-sms", "/ussd"):
        status, _, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login"), path
    modem_id = harness.modem_ids[0]
    status, _, _ = anonymous.post("/manual-sms", {"modem": modem_id, "msisdn": "08126666666",
                                                  "text": "hello"}, csrf=False)  # fmt: skip
    assert status in (401, 403)
    status, _, _ = anonymous.post("/ussd", {"modem": modem_id, "code": "*888#"}, csrf=False)
    assert status in (401, 403)
    assert harness.sims[0].deliveries == []
    admin.get("/manual-sms")
    assert admin.post("/manual-sms", {"modem": modem_id, "msisdn": "08126666666",
                                      "text": "hello"}, csrf=False)[0] == 403  # fmt: skip


def test_modem_choice_lists_every_active_modem(admin, harness):
    status, text, _ = admin.get("/manual-sms")
    assert status == 200
    options = re.findall(r'<option value="([0-9a-f]+)"', text)
    assert options == harness.modem_ids[:2]  # the manual-only one too, not the inactive one
    assert "sim 1 (ready, manual only)" in text and "sim 2" not in text
    assert '<textarea id="f-text" name="text"' in text


def test_manual_sms_goes_through_the_chosen_modem_and_the_text_is_not_kept(admin, harness, caplog):
    caplog.set_level(logging.DEBUG)
    manual_only = harness.modem_ids[1]
    admin.get("/manual-sms")
    status, text, _ = admin.post("/manual-sms", {"modem": manual_only, "msisdn": "0812-6666-666",
                                                 "text": SECRET_TEXT})  # fmt: skip
    assert status == 200
    kind, title, detail = outcome(text)
    assert (kind, title) == ("ok", "Sent") and detail.startswith(
        "Sent through sim 1, message reference"
    )
    [delivery] = harness.sims[1].wait_for_deliveries(1)
    assert delivery.text == SECRET_TEXT and delivery.modem == harness.sims[1].imei
    assert delivery.to.lstrip("+") == "628126666666"
    assert harness.sims[0].deliveries == []
    assert SECRET_TEXT not in text and "731904" not in text  # the text box is empty again
    assert re.search(r'<textarea id="f-text" name="text"[^>]*>\s*</textarea>', text)
    assert f'<option value="{manual_only}" selected>' in text  # modem and number stay
    assert 'value="0812-6666-666"' in text
    assert leaked(caplog.records, "731904") is None
    [event] = [e for e in harness.broker.events.recent() if e.source == "manual"]
    assert event.user == "owner" and event.modem_id == manual_only and event.outcome == "sent"


def test_failure_is_shown_with_the_modems_error(admin, harness, caplog):
    caplog.set_level(logging.DEBUG)
    harness.sims[0].inject("cms-error", code=500)
    admin.get("/manual-sms")
    status, text, _ = admin.post("/manual-sms", {"modem": harness.modem_ids[0],
                                                 "msisdn": "628126666666", "text": SECRET_TEXT})  # fmt: skip
    assert status == 200
    kind, title, detail = outcome(text)
    assert (kind, title) == ("error", "Failed") and detail.startswith("Failed on sim 0: ")
    assert "CMS ERROR: 500" in detail or "CMS500" in detail
    assert harness.sims[0].deliveries == [] and harness.sims[1].deliveries == []
    assert "731904" not in text and leaked(caplog.records, "731904") is None


def test_invalid_input_is_shown_precisely(admin, harness, caplog):
    caplog.set_level(logging.DEBUG)
    modem_id = harness.modem_ids[0]
    admin.get("/manual-sms")
    cases = (
        ({"msisdn": "08x126666666"}, "msisdn", "phone number contains letters ('x')"),
        ({"msisdn": "0812"}, "msisdn", "phone number is too short: 5 digits, at least 6 required"),
        ({"msisdn": ""}, "msisdn", "enter the recipient's number"),
        ({"text": "   "}, "text", "message is empty"),
        ({"modem": harness.modem_ids[2]}, "modem", "choose one of the active modems"),
    )
    for change, field, message in cases:
        data = {"modem": modem_id, "msisdn": "08126666666", "text": SECRET_TEXT, **change}
        status, text, _ = admin.post("/manual-sms", data)
        assert status == 400, field
        assert message in (error_of(text, field) or ""), (field, error_of(text, field))
        assert "731904" not in text
    status, text, _ = admin.post("/manual-sms", {"modem": modem_id, "msisdn": "08126666666",
                                                 "text": "x" * 1600})  # fmt: skip
    assert status == 400 and "too long" in error_of(text, "text")
    assert all(sim.deliveries == [] for sim in harness.sims)
    assert leaked(caplog.records, "731904") is None


def test_blocked_number_is_rejected_with_the_reason(admin, harness):
    harness.broker.blocklist.block("628126666666", "admin")
    admin.get("/manual-sms")
    _, text, _ = admin.post("/manual-sms", {"modem": harness.modem_ids[0],
                                                 "msisdn": "08126666666", "text": SECRET_TEXT})  # fmt: skip
    kind, title, detail = outcome(text)
    assert (kind, title) == ("error", "Rejected") and "is on the blocking list" in detail
    assert "blocked_number" in text and "731904" not in text
    assert harness.sims[0].deliveries == []


def test_ussd_reply_is_shown(admin, harness):
    status, text, _ = admin.get("/ussd")
    assert status == 200
    assert re.findall(r'<option value="([0-9a-f]+)"', text) == harness.modem_ids[:2]
    status, text, _ = admin.post("/ussd", {"modem": harness.modem_ids[1], "code": "*888#"})
    assert status == 200
    reply = re.search(r'<p class="ussd-reply">([^<]*)</p>', text)
    assert reply and html.unescape(reply.group(1)) == "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."
    assert "*888# on sim 1" in text
    assert 'value="*888#"' in text  # ready to run again


def test_ussd_errors_are_clear(admin, harness):
    admin.get("/ussd")
    status, text, _ = admin.post("/ussd", {"modem": harness.modem_ids[0], "code": "*999#"})
    assert status == 200
    error = re.search(r'<p class="error">([^<]*)</p>', text)
    assert error and error.group(1) == "USSD request not supported"
    status, text, _ = admin.post("/ussd", {"modem": harness.modem_ids[0], "code": "balance"})
    assert status == 400 and "0-9 * # +" in error_of(text, "code")
    status, text, _ = admin.post("/ussd", {"modem": harness.modem_ids[2], "code": "*888#"})
    assert status == 400 and error_of(text, "modem") == "choose one of the running modems"
