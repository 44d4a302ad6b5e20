"""Debian's Chromium driven by Playwright, and screenshots of every page at two widths."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(os.environ.get("OTPB_SCREENSHOTS", "test-output/screenshots"))
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the test session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shoot(page: Page, name: str) -> None:
    """Screenshots of the current page at phone and desktop width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)
