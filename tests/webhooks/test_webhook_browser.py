"""The Webhooks page in headless Chromium: a webhook added through the form shows its secret
once (and a refused URL its reason), a test event reaches the loopback receiver signed with
that secret, "Retry now" on a dead letter delivers it; the page fits 390 px and 1280 px
without sideways scrolling (screenshots in test-output/screenshots)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from waiting import wait_until

from otpbroker.services.webhook_signing import verify

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from broker_harness import running_broker
from browser_tools import chromium, owner_page, shoot

OWNER = ("owner", "owner-password-1")
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


@pytest.fixture
def page(harness):
    with (
        chromium() as browser,
        owner_page(browser, harness.base, harness.broker.setup_code.read(), OWNER) as logged_in,
    ):
        yield logged_in


def fill(page, url: str, private: bool) -> None:
    page.select_option("#f-owner", "app")
    page.fill("#f-url", url)
    page.set_checked("#f-allow_private_address", private)
    page.click("#webhook-form + form button.primary")


def test_add_test_event_dead_letter_and_retry_in_a_browser(harness, page, receivers):
    harness.broker.store.set("webhooks.max_attempts", 1)
    receiver = receivers()
    page.goto(harness.base + "/webhooks")
    fill(page, receiver.url, private=False)
    assert "resolves to the loopback address 127.0.0.1" in page.inner_text("#e-url")
    fill(page, receiver.url, private=True)
    secret = page.inner_text("code.secret").strip()
    assert len(secret) == 64
    page.goto(harness.base + "/webhooks")
    assert secret not in page.content()
    receiver.answer = 500
    page.click("form[action$='/test'] button")
    assert wait_until(lambda: len(harness.broker.webhooks.dead_letters()) == 1)
    page.goto(harness.base + "/webhooks")
    assert "answered HTTP 500" in page.inner_text("table.dead-letters")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(OVERFLOW) <= 0, width
    shoot(page, "webhooks")
    receiver.answer = "ok"
    page.click("table.dead-letters button")
    assert wait_until(lambda: receiver.answer == "ok" and len(receiver.snapshot()) == 2)
    got = receiver.snapshot()[-1]
    assert got.event["source"] == "test"
    assert verify(secret, got.headers["x-otpb-timestamp"], got.body,
                  got.headers["x-otpb-signature"], time.time())  # fmt: skip
    assert "No dead letter." in page.inner_text("table.dead-letters")
