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
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the test session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shoot(page: Page, name: str, *, scroll_to: str | None = None) -> None:
    """Screenshots of the current page at phone and desktop width.

    Without ``scroll_to`` the whole page is taken; with it (a selector) only the window,
    scrolled so that this element is at the top: a smaller picture of a long page.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        if scroll_to is not None:
            page.locator(scroll_to).first.evaluate("element => element.scrollIntoView()")
        page.evaluate(SETTLE)  # let the new width be laid out and painted first
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=scroll_to is None)
    if original:
        page.set_viewport_size(original)
