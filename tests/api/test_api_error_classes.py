"""REST replies name the class of a send error; ``/metrics`` shows SMS paths, routing and
alerts. A real broker on a free port with one emulated modem."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from broker_harness import BrokerHarness

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path_factory.mktemp("classes") / "data")
    h.add_modem(name="solo", profile=GENERIC)
    h.add_user()
    h.start()
    yield h
    h.stop()


@pytest.fixture
def solo(harness):
    sim = harness.sims[0]
    yield sim
    sim.set_conditions([])
    sim.clear_faults()
    harness.broker.health.release(harness.modem_ids[0], "test over")


def test_a_number_error_is_named_and_not_retried(harness, solo):
    solo.inject("cms-error", code=1)
    status, body, _ = harness.send_sms("08126666666", "Kode OTP 123456", 71)
    assert status == 502 and body["response_code"] == "1102"
    data = body["data"]
    assert data["error_code"] == "CMS1" and data["error_class"] == "number"
    assert "not assigned" in data["error_text"]
    assert "not tried on another modem" in body["response_text"]
    assert "123456" not in str(body)


def test_a_barred_sim_is_named_and_its_modem_leaves_routing(harness, solo):
    solo.set_conditions(["sim-barred"])
    status, body, _ = harness.send_sms("08126666666", "Kode OTP 222333", 72)
    assert status == 502 and body["data"]["error_class"] == "sim"
    assert "barred" in body["data"]["error_text"]
    status, body, _ = harness.send_sms("08126666666", "Kode OTP 222334", 73)
    assert status == 503 and body["response_code"] == "1101"  # the only modem is held


def test_a_sent_message_has_no_error_fields(harness, solo):
    status, body, _ = harness.send_sms("08126666666", "Kode OTP 999000", 74)
    assert status == 200 and "error_class" not in body["data"]


def test_metrics_show_the_sms_path_routing_and_alerts(harness, solo):
    solo.set_conditions(["sim-barred"])
    harness.send_sms("08126666666", "Kode OTP 555666", 75)
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    modem = harness.modem_ids[0]
    assert f'otpbroker_modem_sms_path{{modem="{modem}",path="cs"}} 1' in text
    assert f'otpbroker_modem_sms_path{{modem="{modem}",path="none"}} 0' in text
    assert f'otpbroker_modem_out_of_routing{{modem="{modem}",reason="sim_account"}} 1' in text
    assert f'otpbroker_modem_out_of_routing{{modem="{modem}",reason="dead"}} 0' in text
    assert 'otpbroker_alerts_active{kind="sim_account"} 1' in text
    assert "555666" not in text and "628126666666" not in text


def test_the_openapi_document_describes_the_new_fields(harness):
    status, document, _ = harness.request("/api/openapi.json", method="GET", auth=None)
    assert status == 200
    fields = document["components"]["schemas"]["ReplyData"]["properties"]
    assert set(fields["error_class"]["enum"]) >= {"number", "sim", "transient", "configuration"}
    assert fields["error_text"]["nullable"] is True


def test_an_unknown_outcome_is_reported_as_unknown_never_as_transient(harness, solo):
    """Part 1 of a two-part OTP went out, part 2 got +CMS ERROR: 500 on a modem that has
    an SMS path: the outcome is unknown, and a client told "transient" would resend it."""
    solo.inject("cms-error", code=500, after=1)
    text = "Kode OTP 734105. " + "Jangan berikan kode ini kepada siapa pun. " * 4
    status, body, _ = harness.send_sms("08126666666", text, 76)
    assert status == 202 and body["response_code"] == "1103"
    data = body["data"]
    assert data["error_code"] == "CMS500" and data["parts"] == 2
    assert data["error_class"] == "unknown"
    assert "734105" not in str(body)
    assert len(solo.log.parts) >= 1  # part 1 is on the handset
