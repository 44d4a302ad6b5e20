"""The DDNS page in real headless Chromium against loopback Cloudflare and IP-service fakes.

The owner adds a Cloudflare account (its API address pointed at the fake), a record in a
nested zone, presses "Update now", sees the answer, proxies the record and deletes it.
Each step other tests build on is a module fixture that runs once, with its checks, when the
first test needs it (what the page showed is kept for the test), so every test passes alone
and in any order; deleting the record comes after every step that needs it.
Screenshots at 390 px and 1280 px go to ``test-output/screenshots/ddns-*``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_tools import shoot
from playwright.sync_api import Locator, Page, expect

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "ddns"))
from broker_harness import BrokerHarness
from ddns_fakes import CloudflareFake, WhatIsMyIpFake

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
TOKEN = "cf-token-e2e-secret"
RECORD = "tr[data-record='a.b.example.com']"


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


def open_ddns(page: Page, harness: BrokerHarness) -> None:
    page.goto(harness.base + "/ddns")


def text(locator: Locator) -> str:
    """The element's text with white space collapsed, as ``expect(...).to_have_text`` sees it."""
    return " ".join((locator.text_content() or "").split())


def cloudflare_records(cloudflare: CloudflareFake) -> list[dict]:
    """Copies of the fake's records as they are now (the fake changes them in place)."""
    return [dict(record) for record in cloudflare.records.values()]


# -- the owner's steps, each done once (with its checks) by the first test that needs it --------


@pytest.fixture(scope="module")
def empty_page(page: Page, harness):
    """The DDNS page reached from the menu before anything is added: what it showed."""
    page.goto(harness.base + "/")
    page.click("#nav a[href='/ddns']")
    page.wait_for_url(harness.base + "/ddns")
    shown = SimpleNamespace(
        title=text(page.locator("h1")), accounts=text(page.locator("table.ddns-accounts"))
    )
    shoot(page, "ddns-01-empty")
    return shown


@pytest.fixture(scope="module")
def account(page: Page, harness, fakes, empty_page):
    """The Cloudflare account "cloudflare-main", added through the form: its row and the page."""
    cloudflare, _ip = fakes
    open_ddns(page, harness)
    page.fill("#account-form ~ form #f-name", "cloudflare-main")
    page.select_option("#f-provider", "cloudflare")
    page.fill("#f-username", "")
    page.fill("#f-api_token", TOKEN)
    page.fill("#f-base_url", cloudflare.base)
    page.click("text=Add account")
    expect(page.locator(".flash")).to_have_text("DDNS account cloudflare-main added.")
    row = page.locator("tr[data-account='cloudflare-main']")
    return SimpleNamespace(row=text(row), content=page.content())


@pytest.fixture(scope="module")
def record(page: Page, harness, account):
    """The record a.b.example.com (TTL 300), added through the form: its row."""
    open_ddns(page, harness)
    page.fill("#record-form ~ form #f-name", "a.b.example.com")
    page.fill("#f-ttl", "300")
    page.click("text=Add record")
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com added.")
    return SimpleNamespace(row=text(page.locator(RECORD)))


@pytest.fixture(scope="module")
def updated(page: Page, harness, fakes, record):
    """ "Update now" pressed until the record's answer shows: the page and Cloudflare then."""
    cloudflare, _ip = fakes
    open_ddns(page, harness)
    page.click("text=Update now")
    expect(page.locator(".flash")).to_contain_text("Update started")
    row = page.locator(RECORD)
    for _ in range(100):
        page.reload()
        if "created A" in row.inner_text():
            break
        page.wait_for_timeout(100)
    shown = SimpleNamespace(
        answer=text(row.locator(".last-answer")),
        last_address=text(row.locator(".last-address")),
        address=text(page.locator(".ddns-address")),
        records=cloudflare_records(cloudflare),
    )
    shoot(page, "ddns-03-updated")
    return shown


@pytest.fixture(scope="module")
def proxied(page: Page, harness, fakes, updated):
    """The record proxied and "Update now" pressed until Cloudflare has it: what both showed."""
    cloudflare, _ip = fakes
    open_ddns(page, harness)
    row = page.locator(RECORD)
    row.locator("button", has_text="Proxy").click()
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com proxied.")
    page.click("text=Update now")
    for _ in range(100):
        if next(iter(cloudflare.records.values()))["proxied"]:
            break
        page.wait_for_timeout(100)
    records = cloudflare_records(cloudflare)
    page.reload()
    expect(row.locator("button", has_text="Unproxy")).to_be_visible()
    shown = SimpleNamespace(records=records, row=text(row))
    shoot(page, "ddns-04-proxied", scroll_to="#records")
    return shown


# -- the tests --------------------------------------------------------------------------------


def test_nav_leads_to_the_empty_ddns_page(empty_page) -> None:
    assert empty_page.title == "DDNS"
    assert "No account yet" in empty_page.accounts


def test_a_wrong_account_shows_the_error_next_to_the_field(page: Page, harness) -> None:
    open_ddns(page, harness)
    page.fill("#account-form ~ form #f-name", "cf")
    page.select_option("#f-provider", "noip")
    page.click("text=Add account")
    expect(page.locator("#e-username")).to_have_text("required for this provider")
    expect(page.locator("#e-password")).to_have_text("required for this provider")
    shoot(page, "ddns-02-account-error", scroll_to="#account-form")


def test_add_cloudflare_account_and_record(account, record) -> None:
    assert "(set)" in account.row
    assert TOKEN not in account.content
    assert "300" in record.row


def test_update_now_creates_the_record_in_the_nested_zone(updated) -> None:
    assert "created A a.b.example.com -> 198.51.100.77 in b.example.com" in updated.answer
    assert updated.last_address == "198.51.100.77"
    assert updated.address == "198.51.100.77"
    [created] = updated.records
    assert (created["zone_id"], created["ttl"], created["proxied"]) == ("zb", 300, False)


def test_proxy_toggle_pushes_the_change(proxied) -> None:
    [record] = proxied.records
    assert (record["proxied"], record["ttl"]) == (True, 1)
    assert "auto" in proxied.row


def test_deactivate_and_delete(page: Page, harness, proxied) -> None:
    open_ddns(page, harness)  # after every step that needs the record
    row = page.locator(RECORD)
    row.locator("button", has_text="Deactivate").click()
    expect(row).to_contain_text("inactive")
    row.locator("button", has_text="Delete").click()
    expect(page.locator(".flash")).to_have_text("DDNS record a.b.example.com deleted.")
    expect(page.locator("table.ddns-records")).to_contain_text("No record yet")
    assert harness.broker.store.list("ddns_records") == []
