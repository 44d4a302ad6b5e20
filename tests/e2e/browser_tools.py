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


def create_owner(page: Page, base: str, setup_code: str, owner: tuple[str, str]) -> None:
    """Create the first administrator on the setup page; the page ends logged in at ``/``."""
    page.goto(base + "/")
    page.fill("#f-setup_code", setup_code)
    page.fill("#f-username", owner[0])
    page.fill("#f-password", owner[1])
    page.fill("#f-password2", owner[1])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


@contextmanager
def owner_page(
    browser: Browser, base: str, setup_code: str, owner: tuple[str, str]
) -> Iterator[Page]:
    """A desktop-sized page logged in as a freshly created first administrator.

    Script errors and 404 answers seen while the page is used fail the test at the end;
    ``confirm()`` dialogs are accepted.
    """
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("response", lambda r: problems.append(f"404: {r.url}") if r.status == 404 else None)
    page.on("dialog", lambda dialog: dialog.accept())
    create_owner(page, base, setup_code, owner)
    try:
        yield page
    finally:
        context.close()
    assert problems == []
