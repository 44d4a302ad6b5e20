"""The HTTPS page in real headless Chromium, loaded over the broker's own HTTPS listener.

The browser trusts nothing here (self-signed certificate), so its context ignores HTTPS
errors; the certificate the listener presents is checked separately by fingerprint. The
owner's first look at the page (the device's own certificate) is a module fixture taken before
any upload, so every test passes alone and in any order.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_tools import chromium, shoot
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from admin_client import AdminClient
from broker_harness import BrokerHarness
from tls_samples import self_signed

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_fingerprint(port: int) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # compared by fingerprint below
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with raw, context.wrap_socket(raw) as tls_socket:
        der = tls_socket.getpeercert(binary_form=True)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-https") / "data")
    h.https_port = free_port()
    h.broker.store.update_settings({"api.https_enabled": True, "api.https_port": h.https_port})
    h.start()
    AdminClient(h.base).setup(h.broker.setup_code.read(), *OWNER)
    h.https_base = f"https://127.0.0.1:{h.https_port}"
    yield h
    h.stop()


@pytest.fixture(scope="module")
def page(harness):
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, ignore_https_errors=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        yield page
        context.close()


@pytest.fixture(scope="module")
def first_look(page: Page, harness):
    """The owner logged in over HTTPS and on the HTTPS page from the menu, before any upload:
    the certificate shown and the one the listener served then."""
    page.goto(harness.https_base + "/login")
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", OWNER[1])
    page.click("button[type=submit]")
    page.wait_for_url(harness.https_base + "/")
    page.click("#nav a[href='/https']")
    page.wait_for_url(harness.https_base + "/https")
    shown = SimpleNamespace(
        fingerprint=page.inner_text("[data-cert=fingerprint]"),
        served=served_fingerprint(harness.https_port),
        issuer=page.inner_text("[data-cert=issuer]"),
    )
    expect(page.locator(".https-listeners")).to_contain_text("listening")
    shoot(page, "80-https")
    return shown


def open_https(page: Page, harness) -> None:
    page.goto(harness.https_base + "/https")
    assert page.url == harness.https_base + "/https", page.url  # logged in


def test_owner_logs_in_over_https_and_sees_the_certificate(first_look):
    assert first_look.fingerprint == first_look.served
    assert "self-signed" in first_look.issuer


def test_mismatched_pair_shows_the_error_next_to_the_key(page: Page, harness, first_look, tmp_path):
    open_https(page, harness)
    before = page.inner_text("[data-cert=fingerprint]")
    cert, _ = self_signed(tmp_path / "a", "shop.example")
    _, other_key = self_signed(tmp_path / "b", "other.example")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(other_key)
    page.set_input_files("#f-cert", str(tmp_path / "cert.pem"))
    page.set_input_files("#f-key", str(tmp_path / "key.pem"))
    page.click(".https-upload button[type=submit]")
    expect(page.locator("#e-key")).to_have_text("the key does not belong to this certificate")
    assert page.locator("#e-cert").count() == 0
    assert page.inner_text("[data-cert=fingerprint]") == before
    assert served_fingerprint(harness.https_port) == before
    shoot(page, "81-https-refused", scroll_to="#upload")


def test_matching_pair_updates_the_page_and_the_listener(page: Page, harness, first_look, tmp_path):
    cert, key = self_signed(tmp_path / "c", "shop.example")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    open_https(page, harness)
    page.set_input_files("#f-cert", str(tmp_path / "cert.pem"))
    page.set_input_files("#f-key", str(tmp_path / "key.pem"))
    page.click(".https-upload button[type=submit]")
    page.wait_for_url(harness.https_base + "/https")
    expect(page.locator(".flash")).to_contain_text("Certificate installed (CN=shop.example")
    expect(page.locator("[data-cert=subject]")).to_have_text("CN=shop.example")
    shown = page.inner_text("[data-cert=fingerprint]")
    deadline = time.monotonic() + 20
    while served_fingerprint(harness.https_port) != shown:
        assert time.monotonic() < deadline, "the listener still presents the old certificate"
        time.sleep(0.1)
    page.reload()  # a new connection of the browser works with the new certificate
    expect(page.locator("[data-cert=subject]")).to_have_text("CN=shop.example")
    shoot(page, "82-https-uploaded")
