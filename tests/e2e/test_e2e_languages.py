"""Every admin page in English and in Bahasa Indonesia, at 390 px and 1280 px, in real
headless Chromium: the layout holds with the longer Indonesian words.

One broker (an emulated modem, an administrator and one record of every kind that has an
edit page) serves the module. The pages are the GET routes of the admin's page modules (not
listed by hand), path wildcards filled with the records' ids. A module fixture visits them all
once, one browser context per language and width, taking a full-page screenshot of each
(``test-output/screenshots/languages/<lang>-<page>-<width>.png``) and measuring it; the tests,
one per page, language and width, check what was measured: the page's ``<html lang>``, no
horizontal scroll of the document, and no element whose content overflows its own box.
Each Indonesian page's texts (at 1280 px) are read for English left over (``leftover_english``).
With ``OTPB_DOC_SCREENSHOTS=1`` a few Indonesian phone screenshots are copied to
``docs/img/admin/id/`` for the owner's guide.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_tools import SETTLE, SHOTS, chromium
from leftover_english import COLLECT, english_left, translated_messages
from playwright.sync_api import Browser, BrowserContext, Page, Response

from otpbroker.web.admin import pages
from otpbroker.web.admin.app import page_modules

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
LANGUAGES = {"en": "en-US", "id": "id-ID"}  # page language: the browser's locale
WIDTHS = {390: 844, 1280: 900}
OUT = SHOTS / "languages"
DOCS = Path(__file__).parents[2] / "docs" / "img" / "admin" / "id"
DOC_PAGES = ("home", "modems", "monitor", "setup")  # copied at phone width
#: The first navigation link, as the catalogues write it (the skeleton translates the menu).
HOME_LINK = {"en": "Home", "id": "Beranda"}
#: Not pages: machine-read answers, files and the brochure's picture and style sheet.
NOT_PAGES = re.compile(r"^/admin-api/|\.(png|css)$")
#: The pages seen logged out (the setup page only before the first administrator exists).
LOGGED_OUT = ("/setup", "/login", "/forgot")
#: The language and width whose texts are read for English left over (one width is enough).
TEXT_CHECK = ("id", 1280)
#: What the device and the owner gave, shown as it is: names, user names, addresses.
GIVEN = ("owner", "operator-shift", "shop", "sim 0", "noip", "otp.example.net", "loopback",
         "me")  # fmt: skip
#: English still shown on Indonesian pages because its text is owned elsewhere (the
#: services' and the alerts' messages, being translated on their own): each with its reason.
#: Remove an entry once its owner's translation is in.
ALLOWED: tuple[str, ...] = ()


def page_paths() -> list[str]:
    """The path rule of every admin page reachable by GET, in the page modules' order."""
    found: list[str] = []
    for name in page_modules():
        module = importlib.import_module(f"{pages.__name__}.{name}")
        for route in module.ROUTES:
            if route.method == "GET" and not NOT_PAGES.search(route.path):
                found.append(route.path)
    return found


def page_name(rule: str) -> str:
    """A short name for a page rule: ``/modems/<modem_id>/edit`` is ``modems-edit``."""
    words = [part for part in rule.strip("/").split("/") if not part.startswith("<")]
    return "-".join(words) or "home"


PATHS = page_paths()


@dataclass
class Seen:
    """What one page showed in one language at one width."""

    path: str = ""
    url: str = ""
    status: int = 0
    lang: str = ""
    scroll_width: int = 0
    inner_width: int = 0
    home_link: str | None = None
    overflows: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # what a person reads (Indonesian, 1280)


#: Every element whose content is wider than its box (``overflow-x: visible``), except
#: form controls, SVG and what is made to scroll (``.table-wrap``, ``pre``). On phones the
#: menu is opened first, so that its links are measured too.
MEASURE = """(phone) => {
  const nav = document.getElementById("nav");
  if (phone && nav) nav.classList.add("open");
  const skip = "input, select, textarea, pre, pre *, .table-wrap, svg, svg *";
  const overflows = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.matches(skip) || !el.clientWidth) continue;
    if (getComputedStyle(el).overflowX !== "visible") continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string"
           ? "." + el.className.trim().split(/\\s+/).join(".") : "");
      const text = (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 60);
      overflows.push(`${name} (${el.scrollWidth} > ${el.clientWidth}px): ${text}`);
    }
  }
  const home = nav && nav.querySelector('a[href="/"]');
  const seen = {
    lang: document.documentElement.lang,
    scroll_width: document.documentElement.scrollWidth,
    inner_width: window.innerWidth,
    home_link: home ? home.textContent.trim() : null,
    overflows,
  };
  if (phone && nav) nav.classList.remove("open");
  return seen;
}"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[BrokerHarness]:
    """A broker with one modem, and one record of each kind that has an edit page."""
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-languages") / "data")
    h.add_modem()
    h.add_user("shop", "shop-password-1", phone="+628111222333")
    h.start()
    yield h
    h.stop()


def fill_ids(harness: BrokerHarness) -> dict[str, str]:
    """A record for every path wildcard of the edit pages, by wildcard name."""
    store = harness.broker.store
    second = store.add("admins", {"username": "operator-shift"})
    account = store.add("ddns_accounts", {"name": "noip", "provider": "noip",
                                          "username": "me", "password": "pw"})  # fmt: skip
    record = store.add("ddns_records", {"name": "otp.example.net", "account": account["id"]})
    mail = store.add("mail_accounts", {"name": "loopback", "host": "127.0.0.1", "port": 2525,
                                       "security": "none", "auth": False,
                                       "sender": "otp@example.com"})  # fmt: skip
    hook, _secret = harness.broker.webhooks.add(
        {
            "owner": "shop",
            "url": "http://127.0.0.1:9/otp-status",
            "events": ["status"],
            "allow_private_address": True,
        }
    )
    port = store.add("firewall_ports", {"port": 8080, "protocol": "tcp"})
    # Something on the monitor, home and received pages: one SMS out, one in.
    harness.send_sms("+628111222444", "Kode OTP 123456", auth=("shop", "shop-password-1"))
    harness.sims[0].receive_sms("+6281234567890", "Kode OTP 654321")
    users = {user["username"]: user["id"] for user in store.list("api_users")}
    return {
        "modem_id": harness.modem_ids[0],
        "admin_id": second["id"],
        "user_id": users["shop"],
        "account_id": mail["id"],  # the e-mail account; the DDNS account is below
        "record_id": record["id"],  # the DDNS record; the firewall's port is below
        "webhook_id": hook["id"],
        "ddns_account_id": account["id"],
        "firewall_id": port["id"],
    }


def concrete(rule: str, ids: dict[str, str]) -> str:
    """The request path of a page rule, its wildcards filled with real ids."""
    if rule.startswith("/ddns/accounts/"):
        ids = {**ids, "account_id": ids["ddns_account_id"]}
    if rule.startswith("/firewall/"):
        ids = {**ids, "record_id": ids["firewall_id"]}
    return re.sub(r"<(\w+)[^>]*>", lambda m: ids[m.group(1)], rule)


def visit(page: Page, base: str, rule: str, path: str, lang: str, width: int) -> Seen:
    """Open one page, photograph it whole and measure it (with its script errors and 404s)."""
    errors: list[str] = []

    def record(exc: Exception) -> None:
        errors.append(f"page error: {exc}")

    def missing(response: Response) -> None:
        if response.status == 404:
            errors.append(f"404: {response.url}")

    page.on("pageerror", record)
    page.on("response", missing)
    response = page.goto(base + path, wait_until="load")
    page.evaluate(SETTLE)
    page.screenshot(path=str(OUT / f"{lang}-{page_name(rule)}-{width}.png"), full_page=True)
    measured: dict[str, Any] = page.evaluate(MEASURE, width < 700)
    if (lang, width) == TEXT_CHECK:
        measured["texts"] = page.evaluate(COLLECT)
    page.remove_listener("pageerror", record)
    page.remove_listener("response", missing)
    return Seen(path=path, url=page.url, status=response.status if response else 0, errors=errors,
                **measured)  # fmt: skip


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", OWNER[1])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def create_owner(browser: Browser, harness: BrokerHarness) -> None:
    """The first administrator, through the setup page of a context of its own."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(harness.base + "/setup")
    page.fill("#f-setup_code", harness.broker.setup_code.read())
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", OWNER[1])
    page.fill("#f-password2", OWNER[1])
    page.click("button[type=submit]")
    page.wait_for_url(harness.base + "/")
    context.close()


@pytest.fixture(scope="module")
def seen(harness: BrokerHarness) -> dict[tuple[str, str, int], Seen]:
    """Every page visited in every language at every width, keyed by (rule, lang, width)."""
    OUT.mkdir(parents=True, exist_ok=True)
    found: dict[tuple[str, str, int], Seen] = {}
    with chromium() as browser:
        contexts: dict[tuple[str, int], tuple[BrowserContext, Page]] = {}
        for lang, locale in LANGUAGES.items():
            for width, height in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, locale=locale,
                    extra_http_headers={"Accept-Language": f"{locale},{lang};q=0.9"},
                )  # fmt: skip
                page = context.new_page()
                page.set_default_timeout(15_000)
                contexts[lang, width] = (context, page)
        base = harness.base
        for (lang, width), (_context, page) in contexts.items():
            found["/setup", lang, width] = visit(page, base, "/setup", "/setup", lang, width)
        create_owner(browser, harness)
        ids = fill_ids(harness)  # a second administrator only now: setup is over
        for (lang, width), (_context, page) in contexts.items():
            for rule in LOGGED_OUT[1:]:
                found[rule, lang, width] = visit(page, base, rule, rule, lang, width)
            log_in(page, base)
            for rule in PATHS:
                if rule not in LOGGED_OUT:
                    path = concrete(rule, ids)
                    found[rule, lang, width] = visit(page, base, rule, path, lang, width)
        for context, _page in contexts.values():
            context.close()
    if os.environ.get("OTPB_DOC_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for name in DOC_PAGES:
            shutil.copyfile(OUT / f"id-{name}-390.png", DOCS / f"{name}.png")
    return found


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("rule", PATHS, ids=[page_name(rule) for rule in PATHS])
def test_page_layout_holds_in_the_language(
    seen: dict[tuple[str, str, int], Seen], rule: str, lang: str, width: int
) -> None:
    shown = seen[rule, lang, width]
    assert shown.status == 200, (shown.status, shown.url)
    assert shown.url.endswith(shown.path), shown.url  # not sent elsewhere (to log in)
    assert shown.lang == lang, "<html lang> is not the language asked"
    assert shown.scroll_width <= shown.inner_width + 1, ("scrolls sideways", shown.overflows)
    assert shown.overflows == [], "content wider than its box"
    assert shown.errors == []
    if rule not in LOGGED_OUT:
        assert shown.home_link == HOME_LINK[lang]


def test_every_page_is_visited() -> None:
    """The enumeration finds the pages (a renamed route table would silently test nothing)."""
    assert len(PATHS) >= 35, PATHS
    assert {"/", "/modems/<modem_id>/edit", "/setup", "/monitor", "/brochure"} <= set(PATHS)


@pytest.mark.parametrize("rule", PATHS, ids=[page_name(rule) for rule in PATHS])
def test_indonesian_page_has_no_english_left(
    seen: dict[tuple[str, str, int], Seen], rule: str
) -> None:
    shown = seen[(rule, *TEXT_CHECK)]
    assert shown.texts, "no text read"
    left = english_left(shown.texts, GIVEN, ALLOWED, translated_messages())
    assert left == [], f"English on {shown.path}:\n" + "\n".join(left)
