"""The Network, Firewall, Internet and DDNS pages and the Brochure page in Bahasa Indonesia when
the browser asks for it, in English by default: titles, labels, validation and flash messages.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "factory"))
from admin_client import LanguageClient
from broker_harness import BrokerHarness
from qr_decode import decode_html

ID = {"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.start()
    yield h
    h.stop()


def client(harness: BrokerHarness, headers: dict[str, str]) -> LanguageClient:
    browser = LanguageClient(harness.base, headers.get("Accept-Language"))
    browser.setup(harness.broker.setup_code.read())
    return browser


def title(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page)
    return html.unescape(found.group(1)) if found else ""


def flash(page: str) -> str:
    found = re.search(r'<p class="flash [a-z]+" role="(?:status|alert)">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


@pytest.mark.parametrize(("path", "heading", "words"), [
    ("/network", "Jaringan", ("Nama jaringan (SSID)", "LAN nirkabel (titik akses Wi-Fi)",
                              "Bukan di perangkat", "Kata sandi Wi-Fi")),
    ("/firewall", "Firewall", ("Selalu terbuka", "REST API dan halaman admin ini",
                               "tidak dapat ditutup", "Buka port", 'data-label="Protokol"')),
    ("/internet", "Internet", ("Belum ada modem yang dipakai untuk internet perangkat",
                               "Perangkat memakai sambungan seluler")),
    ("/internet/standby", None, ("Dalam mode cadangan", "Kembali ke Internet")),
    ("/ddns", "DDNS", ("Perbarui sekarang", "Belum ada record", "Tambah akun", "Nama host",
                       "Pengaturan pembaru", "belum diketahui")),
])  # fmt: skip
def test_pages_in_indonesian(
    harness: BrokerHarness, path: str, heading: str | None, words: tuple[str, ...]
) -> None:
    status, page, _headers = client(harness, ID).get(path)
    assert status == 200
    assert '<html lang="id">' in page
    if heading:
        assert title(page) == heading
    text = html.unescape(page)
    assert [word for word in words if word not in text] == []


def test_pages_stay_english_without_a_language(harness: BrokerHarness) -> None:
    browser = client(harness, {})
    expected = {
        "/network": "Network name (SSID)",
        "/firewall": "Always open",
        "/ddns": "Update now",
        "/internet": "No modem is used for the device's internet",
    }
    for path, text in expected.items():
        status, page, _headers = browser.get(path)
        assert status == 200 and '<html lang="en">' in page
        assert text in html.unescape(page), path


def test_validation_and_flash_messages_in_indonesian(harness: BrokerHarness) -> None:
    browser = client(harness, ID)
    browser.get("/firewall")
    status, page, _headers = browser.post("/firewall", {"port": "http", "protocol": "tcp"})
    assert status == 400
    assert "harus bilangan bulat dari 1 sampai 65535, bukan 'http'" in html.unescape(page)
    browser.get("/ddns")
    status, page, _headers = browser.post("/ddns/records", {"name": "a.example.com", "ttl": "x"})
    assert status == 400 and "harus bilangan bulat, bukan 'x'" in html.unescape(page)
    browser.get("/ddns")
    status, page, _headers = browser.post("/ddns/settings", {"ddns.interval_seconds": "soon"})
    assert status == 400 and "harus jumlah detik berupa bilangan bulat" in html.unescape(page)
    browser.get("/ddns")
    assert browser.post("/ddns/update-now")[0] == 303
    assert flash(browser.get("/ddns")[1]).startswith("Pembaruan dimulai")


def test_brochure_page_in_the_device_language_and_the_other(harness: BrokerHarness) -> None:
    browser = client(harness, {})  # an English browser
    harness.broker.store.update_settings({"device.language": "id"})
    status, page, _headers = browser.get("/brochure")
    assert status == 200 and title(page) == "Brochure"
    assert 'lang="id"' in page and "Kode pengaturan" in page  # the card: the device's language
    assert 'href="/brochure?language=en"' in page
    assert len(decode_html(page)) == 2
    status, page, _headers = browser.get("/brochure?language=en")
    assert "Setup code" in page and "Kode pengaturan" not in page
    assert 'href="/brochure.png?language=en"' in page
    indonesian = LanguageClient(harness.base, ID["Accept-Language"])
    assert indonesian.login("owner", "owner-password-1") == 303
    status, page, _headers = indonesian.get("/brochure?language=xx")  # unknown: the device's
    assert status == 200 and title(page) == "Brosur" and "Kode pengaturan" in page
    assert "Cetak" in page and "Unduh PNG (A6, 300 dpi)" in page
