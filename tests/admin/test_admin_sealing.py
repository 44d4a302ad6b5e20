"""The Sealed messages page: the device's public key, rotation (CSRF, confirmation), and the
two sealing switches, which the REST API then applies."""

from __future__ import annotations

import base64
import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness
from sealing_tools import seal

from otpbroker.factory import SealingKeyFiles


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.add_modem()
    h.start()
    yield h
    h.stop()


def shown_key(text: str) -> bytes:
    match = re.search(r'data-sealing="public-key">([^<]+)<', text)
    assert match, text[:2000]
    return base64.b64decode(html.unescape(match.group(1)))


def test_the_page_shows_the_devices_public_key(harness, admin):
    status, text, _ = admin.get("/sealing")
    assert status == 200
    assert shown_key(text) == SealingKeyFiles(harness.data_dir).public_key()
    assert "libsodium crypto_box_seal (X25519, XSalsa20-Poly1305)" in text
    assert 'data-confirm="Make a new sealing key?' in text
    assert 'href="/sealing"' in admin.get("/")[1]  # in the navigation


def test_rotate_needs_the_csrf_token_and_then_keeps_the_previous_key(harness, admin):
    _status, text, _ = admin.get("/sealing")
    first = shown_key(text)
    sealed_before = seal("OTP 246810", first)
    status, _text, _ = admin.post("/sealing/rotate", csrf=False)
    assert status == 403
    assert shown_key(admin.get("/sealing")[1]) == first
    status, _text, headers = admin.post("/sealing/rotate")
    assert status == 303 and headers["Location"].endswith("/sealing")
    status, text, _ = admin.get("/sealing")
    second = shown_key(text)
    assert second != first and "New sealing key" in text
    api_key = harness.request("/api/sealing-key", method="GET")[1]["data"]["public_key"]
    assert base64.b64decode(api_key) == second
    status, body = harness.request("/api/sms", {"command": "send-sms", "data": {
        "msisdn": "08126666666", "sealed": sealed_before}})[:2]  # fmt: skip
    assert (status, body["response_code"]) == (200, "0000"), body


def test_the_switches_are_saved_and_the_api_applies_them(harness, admin):
    admin.get("/sealing")
    status, _text, _ = admin.post("/sealing", {"sealing.required_on_api": "on"})
    assert status == 303
    settings = harness.broker.store.settings()
    assert settings["sealing.required_on_api"] is True
    assert settings["sealing.required_on_feeders"] is False
    status, body, _ = harness.send_sms("08126666666", "OTP 1")
    assert (status, body["response_code"]) == (403, "1217"), body
    text = admin.get("/sealing")[1]
    assert re.search(r'name="sealing.required_on_api"[^>]*checked', text), text[:3000]
