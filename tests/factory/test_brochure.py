"""The brochure: A6 PNG at 300 dpi and printable HTML, both with QR codes a real decoder reads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from qr_decode import decode_html, decode_png

from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.factory.brochure import Brochure
from otpbroker.factory.wifi_join import wifi_qr_text

# every character the Wi-Fi QR format escapes, plus HTML's own specials
SPECIAL_SSID = 'a\\b;c,d:e"f<g>&'
SPECIAL_PASSWORD = "p\\;,:\"<i>&'x1"
EXPECTED_SPECIAL = 'WIFI:T:WPA;S:a\\\\b\\;c\\,d\\:e\\"f<g>&;P:p\\\\\\;\\,\\:\\"<i>&\'x1;H:true;;'


def test_wifi_text_escapes_every_special_character() -> None:
    assert wifi_qr_text("Shop", "secret-pass") == "WIFI:T:WPA;S:Shop;P:secret-pass;;"
    assert wifi_qr_text(SPECIAL_SSID, SPECIAL_PASSWORD, hidden=True) == EXPECTED_SPECIAL
    assert wifi_qr_text(r"\;,:" + '"', "x") == r"WIFI:T:WPA;S:\\\;\,\:\";P:x;;"


@pytest.fixture
def device(tmp_path: Path) -> tuple[FactorySecrets, ConfigStore]:
    secrets = FactorySecrets(tmp_path / "data")
    secrets.ensure(with_tls=False)
    store = ConfigStore(tmp_path / "data")
    yield secrets, store
    store.close()


def test_factory_card_png_is_a6_at_300_dpi_and_its_qr_codes_decode(device) -> None:
    secrets, store = device
    brochure = Brochure(secrets, store.settings)
    printed = secrets.printable()
    image = Image.open(io.BytesIO(brochure.png()))
    assert image.size == (1240, 1748)
    assert [round(value) for value in image.info["dpi"]] == [300, 300]
    expected_wifi = f"WIFI:T:WPA;S:{printed.ssid};P:{printed.wifi_password};;"
    assert sorted(decode_png(brochure.png())) == sorted(
        [expected_wifi, "http://192.168.0.11:8888/"]
    )
    card = brochure.card().as_dict()
    assert card["reset_code"] == printed.reset_code
    assert card["setup_code"] == printed.setup_code
    assert card["reset_path"] == "/optb/reset.txt"


def test_html_is_a6_and_embeds_decodable_qr_codes(device) -> None:
    secrets, store = device
    brochure = Brochure(secrets, store.settings)
    printed = secrets.printable()
    html = brochure.document()
    assert "@page { size: 105mm 148mm; margin: 0; }  /* A6 portrait" in html
    assert "width: 105mm" in html and "148mm" in html
    assert decode_html(html) == {
        "wifi": [f"WIFI:T:WPA;S:{printed.ssid};P:{printed.wifi_password};;"],
        "admin": ["http://192.168.0.11:8888/"],
    }
    for value in (printed.ssid, printed.wifi_password, printed.setup_code, printed.reset_code):
        assert value in html
    assert "optb/reset.txt" in html


def test_special_characters_are_escaped_in_qr_and_html(device) -> None:
    secrets, store = device
    store.update_settings({"wlan.ssid": SPECIAL_SSID, "wlan.passphrase": SPECIAL_PASSWORD,
                           "wlan.hidden": True, "wlan.address": "10.20.0.1/24",
                           "dhcp.range_start": "10.20.0.50", "dhcp.range_end": "10.20.0.60",
                           "api.http_port": 9090})  # fmt: skip
    brochure = Brochure(secrets, store.settings)
    url = "http://10.20.0.1:9090/"
    assert sorted(decode_png(brochure.png())) == sorted([EXPECTED_SPECIAL, url])
    html = brochure.document()
    assert decode_html(html) == {"wifi": [EXPECTED_SPECIAL], "admin": [url]}
    assert "<g>" not in html and "<i>" not in html
    assert "a\\b;c,d:e&quot;f&lt;g&gt;&amp;" in html
    assert "p\\;,:&quot;&lt;i&gt;&amp;&#x27;x1" in html
    printed = secrets.printable()
    assert printed.ssid in html and printed.wifi_password in html  # factory network, after reset


def test_https_only_admin_url(device) -> None:
    secrets, store = device
    store.update_settings({"api.http_enabled": False, "api.https_enabled": True})
    assert Brochure(secrets, store.settings).card().admin_url == "https://192.168.0.11:8443/"


def test_longest_values_still_fit_and_decode(device, tmp_path) -> None:
    secrets, store = device
    ssid = "W" * 32
    password = "M" * 40 + "#"[:0] + "m" * 23
    store.update_settings({"wlan.ssid": ssid, "wlan.passphrase": password})
    brochure = Brochure(secrets, store.settings)
    data = brochure.png()
    (tmp_path / "long.png").write_bytes(data)
    assert sorted(decode_png(data)) == sorted(
        [f"WIFI:T:WPA;S:{ssid};P:{password};;", "http://192.168.0.11:8888/"]
    )


def test_write_makes_private_files(device, tmp_path) -> None:
    secrets, store = device
    written = Brochure(secrets, store.settings).write(tmp_path / "out")
    # no language chosen yet: English, and Bahasa Indonesia beside it
    names = ["brochure.html", "brochure.png", "brochure.id.html", "brochure.id.png"]
    assert [p.name for p in written] == names
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in written)
    assert len(decode_png(written[1].read_bytes())) == 2
    store.update_settings({"device.language": "id"})
    written = Brochure(secrets, store.settings).write(tmp_path / "out")
    assert [p.name for p in written] == names[:2]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names[:2])
