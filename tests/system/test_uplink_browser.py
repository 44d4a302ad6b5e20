"""The Internet page's uplink card and standby settings in real headless Chromium: a refused
value is shown at its field, standby is saved and then shown on the card. Screenshots
``test-output/screenshots/61-internet-uplink-*.png`` and ``62-internet-standby-*.png``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from broker_harness import BrokerHarness, running_broker
from browser_tools import chromium, owner_page, shoot
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data")


def test_owner_turns_standby_on_from_the_internet_page(harness) -> None:
    uplink = harness.broker.two_way.uplink
    assert uplink is not None
    uplink.tick()
    with (
        chromium() as browser,
        owner_page(browser, harness.base, harness.broker.setup_code.read(), OWNER) as page,
    ):
        page.goto(harness.base + "/internet")
        card = page.locator("section.uplink")
        expect(card.locator('[data-uplink="mode"]')).to_contain_text("always")
        expect(card.locator('[data-uplink="last-switch"]')).to_have_text("none since start")
        card.get_by_role("link", name="Standby settings").click()
        page.wait_for_url(harness.base + "/internet/standby")
        page.select_option("#f-internet\\.mode", "standby")
        page.fill("#f-internet\\.failover_after_seconds", "99999")
        page.click("form.settings-form button[type=submit]")
        expect(page.locator(".field.invalid")).to_have_count(1)
        expect(page.locator(".field.invalid")).to_contain_text("Bring mobile up after")
        assert harness.broker.settings.get("internet.mode") == "always"  # nothing saved
        shoot(page, "62-internet-standby")
        page.fill("#f-internet\\.failover_after_seconds", "45")
        page.click("form.settings-form button[type=submit]")
        page.wait_for_url(harness.base + "/internet/standby")
        assert harness.broker.settings.get("internet.mode") == "standby"
        assert harness.broker.settings.get("internet.failover_after_seconds") == 45
        uplink.tick()  # the next check reads the new mode
        page.goto(harness.base + "/internet")
        expect(card.locator('[data-uplink="mode"]')).to_contain_text("standby")
        shoot(page, "61-internet-uplink")
