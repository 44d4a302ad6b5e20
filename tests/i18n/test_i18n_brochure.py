"""The brochure in both languages: the card's texts from the catalogues, every line on the
card (measured as drawn), the QR codes still decoding, and the admin page's language switch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).parents[1] / "factory"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
import re

from browser_tools import chromium
from qr_decode import decode_html, decode_png

from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets, brochure_png
from otpbroker.factory.brochure import Brochure

ENGLISH = ("Join the device's Wi-Fi", "Setup code", "Reset code", "Network name")
INDONESIAN = ("Sambungkan ke Wi-Fi perangkat", "Kode pengaturan", "Kode reset", "Nama jaringan",
              "huruf kecil", "Kata sandi")  # fmt: skip
LONGEST = {"wlan.ssid": "W" * 32, "wlan.passphrase": "M" * 63, "wlan.hidden": True}


@pytest.fixture
def device(tmp_path: Path) -> Any:
    secrets = FactorySecrets(tmp_path / "data")
    secrets.ensure(with_tls=False)
    store = ConfigStore(tmp_path / "data")
    yield secrets, store
    store.close()


def expected_qr(secrets: FactorySecrets, store: ConfigStore) -> list[str]:
    card = Brochure(secrets, store.settings).card()
    return sorted([card.wifi_qr, card.admin_url])


@pytest.mark.parametrize(("language", "words", "absent"), [
    ("id", INDONESIAN, ENGLISH), ("en", ENGLISH, INDONESIAN),
])  # fmt: skip
def test_html_card_speaks_the_language_and_its_qr_codes_decode(
    device: Any, language: str, words: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    secrets, store = device
    html = Brochure(secrets, store.settings).document(language)
    assert f'<html lang="{language}">' in html and f'lang="{language}"' in html
    assert all(word in html for word in words), [w for w in words if w not in html]
    assert not any(word in html for word in absent)
    found = decode_html(html)
    assert sorted(found["wifi"] + found["admin"]) == expected_qr(secrets, store)


def test_the_device_language_chooses_the_card(device: Any) -> None:
    secrets, store = device
    brochure = Brochure(secrets, store.settings)
    assert brochure.language() == "" and "Setup code" in brochure.fragment()
    store.update_settings({"device.language": "id"})
    assert brochure.language() == "id" and "Kode pengaturan" in brochure.fragment()
    assert "Setup code" in brochure.fragment("en")
    assert "Kode pengaturan" in brochure.fragment("klingon")  # unknown: the device's


def drawn_lines(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[float, ...]]]:
    """Records the text and box of every line the PNG renderer draws."""
    lines: list[tuple[str, tuple[float, ...]]] = []
    draw_text = ImageDraw.ImageDraw.text

    def spy(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        box = self.textbbox(xy, text, font=kwargs.get("font"), anchor=kwargs.get("anchor"))
        lines.append((str(text), tuple(box)))
        draw_text(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    return lines


@pytest.mark.parametrize("language", ["id", "en"])
def test_png_with_the_longest_values_fits_and_scans(
    device: Any, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    secrets, store = device
    store.update_settings(LONGEST)  # a custom network: the factory one is printed too
    lines = drawn_lines(monkeypatch)
    data = Brochure(secrets, store.settings).png(language)
    assert sorted(decode_png(data)) == expected_qr(secrets, store)
    text = " ".join(line for line, _box in lines)
    words = INDONESIAN[:4] if language == "id" else ENGLISH
    assert all(word in text for word in words), text
    for line, (left, top, right, bottom) in lines:
        assert left >= 0 and right <= brochure_png.WIDTH, line
        assert top >= 0 and bottom <= brochure_png.HEIGHT, line


def test_written_files_before_the_owner_chose_a_language(device: Any, tmp_path: Path) -> None:
    secrets, store = device
    written = {p.name: p for p in Brochure(secrets, store.settings).write(tmp_path / "out")}
    assert "Setup code" in written["brochure.html"].read_text(encoding="utf-8")
    assert "Kode pengaturan" in written["brochure.id.html"].read_text(encoding="utf-8")
    for name in ("brochure.png", "brochure.id.png"):
        assert sorted(decode_png(written[name].read_bytes())) == expected_qr(secrets, store)


@pytest.mark.e2e
def test_indonesian_html_card_prints_on_one_a6_page_and_scans(device: Any, tmp_path: Path) -> None:
    """Chromium prints the longest Indonesian card on one page; the painted QR codes decode."""
    secrets, store = device
    store.update_settings(LONGEST)
    page_file = tmp_path / "brochure.id.html"
    page_file.write_text(Brochure(secrets, store.settings).document("id"), encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 500, "height": 900})
        page.goto(page_file.as_uri())
        assert "Kode pengaturan" in page.inner_text(".bro-card")
        painted = decode_png(page.locator(".bro-card").screenshot())
        assert sorted(painted) == expected_qr(secrets, store)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/MediaBox", pdf)) == 1
