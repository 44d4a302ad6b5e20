"""The Network and Firewall pages in real headless Chromium, with the real privileged helper
(a subprocess under a temporary root, fake systemctl): change the access point address, watch
the countdown, confirm; then a change nobody confirms, which the helper reverts by itself.
Only that second test shortens the confirmation window, for itself, so each test passes alone
and in any order."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from browser_tools import shoot
from playwright.sync_api import Page, expect

from otpbroker.bootstrap import Machine
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.network_control import NetworkControl

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from helper_root import HelperRoot

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
SHORT_WINDOW = 15  # long enough for the page and its checks on a busy machine


class ShortWindowControl(NetworkControl):
    """The real control and helper, with a short confirmation window for the second test."""

    short = False  # set by the ``short_window`` fixture for one test

    def apply(self, settings: Mapping[str, Any], ports: Any, confirm: bool,
              targets: Any = None) -> dict[str, Any]:  # fmt: skip
        if self.short:
            settings = {**settings, "network.confirm_seconds": SHORT_WINDOW}
        return super().apply(settings, ports, confirm, targets)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return HelperRoot(tmp_path_factory.mktemp("e2e-network") / "root")


@pytest.fixture(scope="module")
def control(root):
    helper = HelperClient(root.transport(), root.stage)
    return ShortWindowControl(helper, lambda: ("OTP-Broker-E2E1", "factory-pass-1"))


@pytest.fixture(scope="module")
def harness(tmp_path_factory, control):
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-network") / "data", Machine(network=control))
    h.start()
    yield h
    h.stop()


@pytest.fixture
def short_window(control):
    """The confirmation window cut to SHORT_WINDOW seconds for one test, then restored."""
    control.short = True
    yield SHORT_WINDOW
    control.short = False


def field(page: Page, key: str):
    return page.locator(f'[id="f-{key}"]')


def test_change_ap_address_watch_countdown_and_confirm(page, harness, root):
    page.goto(harness.base + "/network")
    assert "Not on a device" not in page.inner_text("main")
    shoot(page, "70-network")
    field(page, "wlan.address").fill("192.168.0.12/24")
    page.click(".settings-form button[type=submit]")
    page.wait_for_url(harness.base + "/network")
    banner = page.locator(".safety-net")
    expect(banner).to_be_visible()
    assert "http://192.168.0.12:" in page.inner_text(".flash")
    first = int(page.inner_text(".safety-net .countdown"))
    assert 80 <= first <= 90
    expect(page.locator(".safety-net .countdown")).not_to_have_text(str(first), timeout=5000)
    assert int(page.inner_text(".safety-net .countdown")) < first
    shoot(page, "71-network-confirm", scroll_to="main")
    assert (
        "Address=192.168.0.12/24"
        in root.path("/etc/systemd/network/10-otpb-wlan.network").read_text()
    )
    page.click(".safety-net button[type=submit]")
    page.wait_for_url(harness.base + "/network")
    assert "Confirmed: the new settings stay." in page.inner_text(".flash")
    expect(banner).to_have_count(0)
    assert root.ok("pending") == {}
    assert harness.broker.store.get("wlan.address") == "192.168.0.12/24"


def test_unconfirmed_firewall_change_reverts_by_itself(page, harness, root, short_window):
    page.goto(harness.base + "/firewall")
    shoot(page, "72-firewall")
    page.fill("#f-port", "1883")
    page.fill("#f-interface", "eth0")
    page.fill("#f-comment", "MQTT from the LAN")
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(harness.base + "/firewall")
    expect(page.locator(".safety-net")).to_be_visible()
    nft = root.path("/etc/nftables.conf").read_text()  # read first: the window is short
    assert 'iifname "eth0" tcp dport 1883 accept' in nft
    rows = page.inner_text("table.owner-ports")
    assert "1883" in rows and "open" in rows
    shoot(page, "73-firewall-pending", scroll_to="main")
    # nobody confirms: the countdown reaches 0, the page reloads and says it was reverted
    expect(page.locator(".note-warn.reverted")).to_contain_text(
        "was not confirmed in time and was reverted", timeout=60_000
    )
    expect(page.locator(".safety-net")).to_have_count(0)
    expect(page.locator("table.owner-ports")).to_have_count(0)
    assert harness.broker.store.list("firewall_ports") == []
    assert not root.path("/etc/nftables.conf").exists()
    shoot(page, "74-firewall-reverted", scroll_to="main")
    assert re.search(r"Your ports\s+No extra port", page.inner_text("main"))
