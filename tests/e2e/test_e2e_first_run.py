"""The owner's first minutes in real headless Chromium: setup code, login, administrators."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_tools import chromium, shoot

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.start()
    yield h
    h.stop()


def test_first_run_login_and_administrators(browser, harness):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Refused" in msg.text else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(harness.base + "/")
    assert page.url.endswith("/setup")
    shoot(page, "01-setup")

    page.fill("#f-setup_code", "WRONG-CODE-0000-0000")
    page.fill("#f-username", "owner")
    page.fill("#f-password", "owner-password-1")
    page.fill("#f-password2", "owner-password-1")
    page.click("button[type=submit]")
    assert "wrong setup code" in page.inner_text("#e-setup_code")
    shoot(page, "02-setup-error")

    page.fill("#f-setup_code", harness.broker.setup_code.read())
    page.fill("#f-password", "owner-password-1")
    page.fill("#f-password2", "owner-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(harness.base + "/")
    assert "Status" in page.inner_text("h1")
    shoot(page, "03-home")

    page.click(".menu-toggle")
    page.click("#nav >> text=Log out owner")
    page.wait_for_url("**/login")
    page.fill("#f-username", "owner")
    page.fill("#f-password", "not-the-password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.inner_text(".flash.error")
    shoot(page, "04-login")
    page.fill("#f-username", "owner")
    page.fill("#f-password", "owner-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(harness.base + "/")

    page.goto(harness.base + "/admins")
    page.fill("#f-username", "second")
    page.fill("#f-password", "second-password-1")
    page.fill("#f-password2", "second-password-1")
    page.fill("#f-email", "second@example.com")
    page.click("button.primary")
    assert "Administrator second added." in page.inner_text(".flash")
    assert "second@example.com" in page.inner_text("table")
    shoot(page, "05-administrators")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("tr:has-text('second') button.danger")
    page.wait_for_selector("text=Administrator deleted.")
    assert "second@example.com" not in page.inner_text("table")
    assert errors == [], errors  # no CSP violations or script errors
    assert missing == [], missing
