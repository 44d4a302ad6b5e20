"""The HTTPS page's robustness in real headless Chromium: an upload larger than the admin's
body limit gets the clear 413 page, a busy HTTPS port is shown with its retry, and the
self-signed certificate form names the device.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

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
HOST = socket.gethostname().lower().rstrip(".")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-https-limits") / "data")
    h.broker.store.update_settings({"api.https_enabled": True, "api.https_port": free_port()})
    h.start()
    AdminClient(h.base).setup(h.broker.setup_code.read(), *OWNER)
    yield h
    h.stop()


@pytest.fixture(scope="module")
def page(harness):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(harness.base + "/login")
        page.fill("#f-username", OWNER[0])
        page.fill("#f-password", OWNER[1])
        page.click("button[type=submit]")
        page.wait_for_url(harness.base + "/")
        yield page
        context.close()


def test_regenerate_form_names_the_device(page: Page, harness):
    page.goto(harness.base + "/https")
    names = page.inner_text("[data-cert=new-names]")
    assert names.split(", ")[:2] == [HOST.split(".")[0] + ".local", HOST]
    assert names.endswith("192.168.0.11")
    page.click(".https-regenerate button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("New self-signed certificate")
    expect(page.locator("[data-cert=sans]")).to_contain_text("IP:192.168.0.11")
    shoot(page, "83-https-regenerated", scroll_to=".https-regenerate")


@pytest.mark.parametrize("size", [300 * 1024, 3 * 1024 * 1024])
def test_oversized_upload_shows_the_413_page(page: Page, harness, tmp_path, size):
    before = (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes()
    cert, key = self_signed(tmp_path / "big", "big.example")
    (tmp_path / "cert.pem").write_bytes(cert + b"#" * size)
    (tmp_path / "key.pem").write_bytes(key)
    page.goto(harness.base + "/https")
    page.set_input_files("#f-cert", str(tmp_path / "cert.pem"))
    page.set_input_files("#f-key", str(tmp_path / "key.pem"))
    with page.expect_navigation() as navigation:
        page.click(".https-upload button[type=submit]")
    assert navigation.value is not None and navigation.value.status == 413
    expect(page.locator("h1")).to_have_text("Request too large")
    expect(page.locator(".refused .error")).to_contain_text("at most 262144 are accepted")
    expect(page.locator(".refused")).to_contain_text("at most 256 KiB")
    assert (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes() == before
    if size < 1024 * 1024:
        shoot(page, "84-https-too-large")
    page.click(".refused a")
    page.wait_for_url(harness.base + "/https")


def test_busy_port_shows_the_retry_and_clears_by_itself(page: Page, harness):
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        harness.broker.store.update_settings({"api.https_port": busy})
        page.goto(harness.base + "/https")
        deadline = time.monotonic() + 20
        while "Tried again by itself" not in page.inner_text(".https-listeners"):
            assert time.monotonic() < deadline, page.inner_text(".https-listeners")
            time.sleep(0.3)
            page.reload()
        expect(page.locator(".https-listeners")).to_contain_text("Address already in use")
        shoot(page, "85-https-port-busy", scroll_to=".https-listeners")
    finally:
        taken.close()
    deadline = time.monotonic() + 60
    while page.locator(".https-listeners .badge.bad").count():
        assert time.monotonic() < deadline, page.inner_text(".https-listeners")
        time.sleep(0.5)
        page.reload()
    expect(page.locator(".https-listeners")).to_contain_text(f"listening port {busy}")
