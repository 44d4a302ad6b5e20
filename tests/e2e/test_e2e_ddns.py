"""The DDNS page in real headless Chromium against loopback Cloudflare and IP-service fakes.

The owner adds a Cloudflare account (its API address pointed at the fake), a record in a
nested zone, presses "Update now", sees the answer, proxies the record and deletes it.
Screenshots at 390 px and 1280 px go to ``test-output/screenshots/ddns-*``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_tools import shoot
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "ddns"))
from broker_harness import BrokerHarness
from ddns_fakes import CloudflareFake, WhatIsMyIpFake

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
TOKEN = "cf-token-e2e-secret"


@pytest.fixture(scope="module")
def fakes():
    with (
        CloudflareFake(token=TOKEN, zones={"zb": "b.example.com", "ze": "example.com"}) as cf,
        WhatIsMyIpFake(address="198.51.100.77") as ip,
    ):
        yield cf, ip


@pytest.fixture(scope="module")
def harness(tmp_path_factory, fakes):
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-ddns") / "data")
    h.broker.store.update_settings({"ddns.ip_services": [fakes[1].url + "/"]})
    h.start()
    yield h
    h.stop()


def test_nav_leads_to_the_empty_ddns_page(page: Page, harness) -> None:
    page.click("#nav a[href='/ddns']")
    page.wait_for_url(harness.base + "/ddns")
    expect(page.locator("h1")).to_have_text("DDNS")
    expect(page.locator("table.ddns-accounts")).to_contain_text("No account yet")
    shoot(page, "ddns-01-empty")


def test_a_wrong_account_shows_the_error_next_to_the_field(page: Page) -> None:
    page.fill("#account-form ~ form #f-name", "cf")
    page.select_option("#f-provider", "noip")
    page.click("text=Add account")
    expect(page.locator("#e-username")).to_have_text("required for this provider")
    expect(page.locator("#e-password")).to_have_text("required for this provider")
    shoot(page, "ddns-02-account-error", scroll_to="#account-form")


def test_add_cloudflare_account_and_record(page: Page, harness, fakes) -> None:
    cloudflare, _ip = fakes
    page.fill("#account-form ~ form #f-name", "cloudflare-main")
    page.select_option("#f-provider", "cloudflare")
    page.fill("#f-username", "")
    page.fill("#f-api_token", TOKEN)
    page.fill("#f-base_url", cloudflare.base)
    page.click("text=Add account")
    expect(page.locator(".flash")).to_have_text("DDNS account cloudflare-main added.")
    row = page.locator("tr[data-account='cloudflare-main']")
    expect(row).to_contain_text("(set)")
    assert TOKEN not in page.content()
    page.fill("#record-form ~ form #f-name", "a.b.example.com")
    page.fill("#f-ttl", "300")
    page.click("text=Add record")
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com added.")
    expect(page.locator("tr[data-record='a.b.example.com']")).to_contain_text("300")


def test_update_now_creates_the_record_in_the_nested_zone(page: Page, harness, fakes) -> None:
    cloudflare, _ip = fakes
    page.click("text=Update now")
    expect(page.locator(".flash")).to_contain_text("Update started")
    row = page.locator("tr[data-record='a.b.example.com']")
    for _ in range(100):
        page.reload()
        if "created A" in row.inner_text():
            break
        page.wait_for_timeout(100)
    expect(row.locator(".last-answer")).to_contain_text(
        "created A a.b.example.com -> 198.51.100.77 in b.example.com"
    )
    expect(row.locator(".last-address")).to_have_text("198.51.100.77")
    expect(page.locator(".ddns-address")).to_have_text("198.51.100.77")
    [created] = cloudflare.records.values()
    assert (created["zone_id"], created["ttl"], created["proxied"]) == ("zb", 300, False)
    shoot(page, "ddns-03-updated")


def test_proxy_toggle_pushes_the_change(page: Page, harness, fakes) -> None:
    cloudflare, _ip = fakes
    row = page.locator("tr[data-record='a.b.example.com']")
    row.locator("button", has_text="Proxy").click()
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com proxied.")
    page.click("text=Update now")
    for _ in range(100):
        if next(iter(cloudflare.records.values()))["proxied"]:
            break
        page.wait_for_timeout(100)
    [record] = cloudflare.records.values()
    assert (record["proxied"], record["ttl"]) == (True, 1)
    page.reload()
    expect(row.locator("button", has_text="Unproxy")).to_be_visible()
    expect(row).to_contain_text("auto")
    shoot(page, "ddns-04-proxied", scroll_to="#records")


def test_deactivate_and_delete(page: Page, harness) -> None:
    row = page.locator("tr[data-record='a.b.example.com']")
    row.locator("button", has_text="Deactivate").click()
    expect(row).to_contain_text("inactive")
    row.locator("button", has_text="Delete").click()
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com deleted.")
    expect(page.locator("table.ddns-records")).to_contain_text("No record yet")
    assert harness.broker.store.list("ddns_records") == []
