"""The Brochure page in real headless Chromium: the card shows, its QR codes decode from
what the browser painted, and printing gives exactly one A6 page."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from browser_tools import chromium, create_owner, shoot

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "factory"))
from broker_harness import BrokerHarness
from qr_decode import decode_png

pytestmark = pytest.mark.e2e
A6_POINTS = (105 / 25.4 * 72, 148 / 25.4 * 72)  # 297.6 x 419.5


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.start()
    yield h
    h.stop()


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page of a PDF made by Chromium."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    return [(float(w), float(h)) for w, h in boxes]


def test_brochure_page_shows_a_card_that_scans_and_prints_on_a6(browser, harness, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    create_owner(
        page, harness.base, harness.broker.setup_code.read(), ("owner", "owner-password-1")
    )

    page.click("#nav >> text=Brochure")
    page.wait_for_url(harness.base + "/brochure")
    ssid, password = harness.broker.factory_secrets.wifi()
    card = page.locator(".bro-card")
    assert ssid in card.inner_text() and password in card.inner_text()
    assert page.locator("[data-print]").is_visible()  # the script showed the print button
    wifi = decode_png(page.locator("img[data-qr=wifi]").screenshot())
    assert wifi == [f"WIFI:T:WPA;S:{ssid};P:{password};;"]
    assert decode_png(card.screenshot()) != []  # the whole card as painted still scans
    assert sorted(decode_png(card.screenshot())) == sorted(
        [f"WIFI:T:WPA;S:{ssid};P:{password};;", "http://192.168.0.11:8888/"]
    )
    shoot(page, "30-brochure")

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # print media
    sizes = pdf_pages(pdf)
    assert len(sizes) == 1, sizes
    assert sizes[0] == pytest.approx(A6_POINTS, abs=1.5)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator(".brochure-actions").is_visible()
    assert page.locator(".bro-card").is_visible()
    page.emulate_media(media="screen")
    assert problems == [], problems

    with page.expect_download() as download:
        page.click("text=Download PNG")
    saved = tmp_path / "card.png"
    download.value.save_as(saved)
    assert len(decode_png(saved.read_bytes())) == 2


def test_standalone_brochure_html_prints_on_one_a6_page(browser, harness, tmp_path):
    out = tmp_path / "out"
    written = harness.broker.brochure.write(out)
    page = browser.new_page()
    page.goto(written[0].as_uri())
    assert harness.broker.factory_secrets.wifi()[0] in page.inner_text(".bro-card")
    sizes = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(sizes) == 1 and sizes[0] == pytest.approx(A6_POINTS, abs=1.5), sizes
    page.set_viewport_size({"width": 500, "height": 800})
    page.screenshot(path=str(tmp_path / "standalone.png"), full_page=True)
    Path("test-output/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="test-output/screenshots/brochure-standalone.png", full_page=True)


def test_longest_values_still_print_on_one_a6_page(browser, harness, tmp_path):
    harness.broker.store.update_settings(
        {"wlan.ssid": "W" * 32, "wlan.passphrase": "M" * 63, "wlan.hidden": True}
    )
    written = harness.broker.brochure.write(tmp_path / "out")
    page = browser.new_page()
    page.goto(written[0].as_uri())
    assert "M" * 20 in page.inner_text(".bro-card")
    sizes = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(sizes) == 1, sizes
