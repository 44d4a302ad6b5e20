"""What the admin screenshot scripts share: a headless Chromium (Debian's) signed in to a
new device as its first administrator."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, sync_playwright

OWNER = ("owner", "owner-password-1")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@contextmanager
def owner_page(base: str, setup_code: str) -> Iterator[Page]:
    """A 1280 x 900 page at ``base``, the first administrator created and signed in."""
    with sync_playwright() as playwright:
        chromium = shutil.which("chromium") or "chromium"
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/")
            page.fill("#f-setup_code", setup_code)
            page.fill("#f-username", OWNER[0])
            page.fill("#f-password", OWNER[1])
            page.fill("#f-password2", OWNER[1])
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            yield page
        finally:
            browser.close()
