"""Sealed messages over the REST API: opened in memory, refused precisely, never sent when bad."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
from broker_harness import BrokerHarness
from sealing_tools import bad_cases, device_key, seal, tampered

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from smtp_servers import start_smtp

from otpbroker.factory import SealingKeyFiles

NUMBER = "08126666666"


@pytest.fixture
def sealed_api(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    sim, _ = h.add_modem()
    h.start()
    yield h, sim, device_key(h.data_dir)
    h.stop()


def send(h: BrokerHarness, data: dict, command: str = "send-sms") -> tuple[int, dict]:
    status, body, _ = h.request("/api/message", {"command": command, "data": data})
    return status, body


def test_the_key_endpoint_gives_the_devices_public_key_to_api_users(sealed_api):
    h, _sim, key = sealed_api
    status, body, headers = h.request("/api/sealing-key", method="GET")
    assert status == 200 and body["response_code"] == "0000", body
    assert base64.b64decode(body["data"]["public_key"]) == key
    assert body["data"]["algorithm"] == "libsodium crypto_box_seal (X25519, XSalsa20-Poly1305)"
    assert headers["Cache-Control"] == "no-store"
    status, body, _ = h.request("/api/sealing-key", method="GET", auth=None)
    assert (status, body["response_code"]) == (401, "1209")
    status, body, headers = h.request("/api/sealing-key", {})
    assert (status, body["response_code"], headers["Allow"]) == (405, "1212", "GET")


def test_a_sealed_send_sms_reaches_the_handset_in_clear(sealed_api):
    h, sim, key = sealed_api
    status, body = send(h, {"msisdn": NUMBER, "sealed": seal("Kode OTP 481516", key), "id": "s1"})
    assert (status, body["response_code"]) == (200, "0000"), body
    assert "481516" not in str(body)
    [delivery] = sim.wait_for_deliveries(1)
    assert (delivery.to, delivery.text) == ("+628126666666", "Kode OTP 481516")


def test_the_opened_text_is_validated_like_a_clear_one(sealed_api):
    h, sim, key = sealed_api
    status, body = send(h, {"msisdn": NUMBER, "sealed": seal("", key)})
    assert (status, body["response_code"]) == (400, "1203"), body
    assert sim.deliveries == []


def test_a_message_sealed_before_a_rotation_still_opens_and_the_one_before_not(sealed_api):
    h, sim, key = sealed_api
    keys = SealingKeyFiles(h.data_dir)
    before = seal("OTP 111111", key)
    second = keys.rotate()
    assert second != key
    assert send(h, {"msisdn": NUMBER, "sealed": before})[1]["response_code"] == "0000"
    sealed_second = seal("OTP 222222", second)
    keys.rotate()
    status, body = send(h, {"msisdn": NUMBER, "sealed": before})
    assert (status, body["response_code"]) == (400, "1216"), body
    assert send(h, {"msisdn": NUMBER, "sealed": sealed_second})[1]["response_code"] == "0000"
    assert [d.text for d in sim.wait_for_deliveries(2)] == ["OTP 111111", "OTP 222222"]


@pytest.mark.parametrize("case", range(6))
def test_a_sealed_payload_that_does_not_open_is_refused_precisely_and_not_sent(sealed_api, case):
    h, sim, key = sealed_api
    name, fields, code, words = bad_cases(key, "OTP 999999")[case]
    status, body = send(h, {"msisdn": NUMBER, **fields})
    assert body["response_code"] == code, (name, body)
    assert status == 400 and words in body["response_text"], (name, body)
    assert "999999" not in str(body)
    assert sim.deliveries == []


def test_sealed_with_otp_or_a_non_string_is_1211(sealed_api):
    h, sim, key = sealed_api
    for fields in ({"sealed": seal("x", key), "otp": "123456"}, {"sealed": 12}):
        status, body = send(h, {"msisdn": NUMBER, **fields})
        assert (status, body["response_code"]) == (400, "1211"), body
    assert sim.deliveries == []


def test_required_on_api_refuses_unsealed_send_sms_and_send_mail_with_1217(sealed_api):
    h, sim, key = sealed_api
    h.broker.store.update_settings({"sealing.required_on_api": True})
    for command, data in (
        ("send-sms", {"msisdn": NUMBER, "message": "OTP 123123"}),
        ("send-sms", {"msisdn": NUMBER, "otp": "123123"}),
        ("send-mail", {"recipient": "a@domain.tld", "message": "OTP 123123"}),
    ):
        status, body = send(h, data, command)
        assert (status, body["response_code"]) == (403, "1217"), body
        assert "sealing.required_on_api" in body["response_text"]
    assert send(h, {"msisdn": NUMBER, "sealed": seal("OTP 456456", key)})[0] == 200
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["OTP 456456"]
    status, body = send(h, {"msisdn": NUMBER}, "request-otp")  # the device makes that text
    assert (status, body["response_code"]) == (200, "0000"), body


def test_required_on_feeders_leaves_the_api_open(sealed_api):
    h, sim, _key = sealed_api
    h.broker.store.update_settings({"sealing.required_on_feeders": True})
    assert send(h, {"msisdn": NUMBER, "message": "OTP 777777"})[0] == 200
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["OTP 777777"]


def test_a_sealed_send_mail_goes_out_in_clear_and_a_bad_one_not_at_all(tmp_path):
    server = start_smtp("smtp-sealed")
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.broker.store.add("mail_accounts", {
        "name": "account", "host": "127.0.0.1", "port": server.port, "security": "none",
        "auth": False, "sender": "otp@example.com",
    })  # fmt: skip
    try:
        h.start()
        key = device_key(h.data_dir)
        data = {"recipient": "a@domain.tld", "subject": "Kode", "sealed": seal("Kode 1357", key)}
        status, body = send(h, data, "send-mail")
        assert (status, body["response_code"]) == (200, "0000"), body
        [mail] = server.received
        assert mail.parsed().get_content().strip() == "Kode 1357"
        status, body = send(h, {**data, "sealed": tampered(data["sealed"])}, "send-mail")
        assert (status, body["response_code"]) == (400, "1216"), body
        assert len(server.received) == 1
    finally:
        h.stop()
        server.stop()
