"""The admin's Brochure page: the card inline, the PNG download, the card's stylesheet."""

from __future__ import annotations

import io
import sys
import urllib.request
from pathlib import Path

import pytest
from admin_client import AdminClient
from PIL import Image

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "factory"))
from broker_harness import BrokerHarness
from qr_decode import decode_html, decode_png


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.start()
    yield h
    h.stop()


def expected_texts(harness) -> tuple[str, str]:
    ssid, password = harness.broker.factory_secrets.wifi()
    return f"WIFI:T:WPA;S:{ssid};P:{password};;", "http://192.168.0.11:8888/"


def test_brochure_page_shows_the_card(harness, admin) -> None:
    status, text, headers = admin.get("/brochure")
    assert status == 200
    printed = harness.broker.factory_secrets.printable()
    for value in (printed.ssid, printed.wifi_password, printed.setup_code, printed.reset_code):
        assert value in text
    wifi, url = expected_texts(harness)
    assert decode_html(text) == {"wifi": [wifi], "admin": [url]}
    assert '<a href="/brochure" class="current">Brochure</a>' in text
    assert 'href="/brochure.png"' in text and 'src="/static/brochure.js"' in text
    assert "no-store" in headers["Cache-Control"]


def test_brochure_png_downloads(harness, admin) -> None:
    with admin.opener.open(harness.base + "/brochure.png", timeout=60) as response:
        data = response.read()
        assert response.headers["Content-Type"] == "image/png"
        assert "attachment" in response.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(data)).size == (1240, 1748)
    assert sorted(decode_png(data)) == sorted(expected_texts(harness))


def test_card_stylesheet_has_a6_print_rules(harness, admin) -> None:
    status, css, headers = admin.get("/brochure/card.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "@page { size: 105mm 148mm" in css and "header.top" in css


def test_card_follows_the_configured_network(harness, admin) -> None:
    harness.broker.store.update_settings({"wlan.ssid": "Shop <AP>", "api.http_port": 9090})
    _status, text, _headers = admin.get("/brochure")
    assert "Shop &lt;AP&gt;" in text and "Shop <AP>" not in text
    assert decode_html(text)["admin"] == ["http://192.168.0.11:9090/"]


def test_brochure_needs_a_session(harness, admin) -> None:
    anonymous = AdminClient(harness.base)
    for path in ("/brochure", "/brochure.png", "/brochure/card.css"):
        status, body, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login")
        assert harness.broker.factory_secrets.printable().reset_code not in body


def test_static_script_is_served(harness) -> None:
    with urllib.request.urlopen(harness.base + "/static/brochure.js", timeout=30) as response:
        assert b"window.print()" in response.read()


def test_the_device_language_is_chosen_on_the_brochure_page(harness, admin) -> None:
    """The card and the device's e-mails follow ``device.language``; an unknown code is
    stored as English, with no error shown."""
    status, _text, _headers = admin.post("/brochure/language", {"language": "id"})
    assert status == 303 and harness.broker.settings.get("device.language") == "id"
    status, text, _headers = admin.get("/brochure")
    assert '<option value="id" lang="id" selected>Bahasa Indonesia</option>' in text
    assert 'lang="id"' in text.split('class="brochure-view"', 1)[1]  # the card itself
    status, _text, _headers = admin.post("/brochure/language", {"language": "xx-YY"})
    assert status == 303 and harness.broker.settings.get("device.language") == "en"
    text = admin.get("/brochure")[1]
    assert "now in English" in text and "flash error" not in text
