"""The Internet page in real headless Chromium: preset, connect on the data port, disconnect,
and the shared-port conflict. The first look at the page, before anything is changed, is a
module fixture the other tests take first, so every test passes alone and in any order.
Screenshots ``test-output/screenshots/60-internet-*.png``."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_tools import shoot
from playwright.sync_api import Page

from otpbroker.bootstrap import Machine
from otpbroker.modem.sim import Mode
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.internet import InternetControl
from otpbroker.system.ppp_status import link_status

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from ppp_stand_in import internet_root

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e-internet")
    root = internet_root(base)
    helper = HelperClient(root.transport(), root.stage)

    def internet(sms_holds):
        return InternetControl(
            helper,
            sms_holds=sms_holds,
            status_reader=lambda name: link_status(name, run_dir=str(root.path("/run"))),
        )

    h = BrokerHarness(base / "data", Machine(internet=internet))
    profile = {"data_port": True, "accepted_apns": ("internet", "3data")}
    sim, modem_id = h.add_modem(
        profile=profile, name="Huawei E3372 (2 ports)", internet_access=True, apn="internet"
    )
    assert sim.data_port is not None
    h.broker.store.update("modems", modem_id, {"data_port": sim.data_port.port})
    h.add_modem(profile=profile, name="ZTE MF190 (1 port)", internet_access=True, apn="internet")
    h.start()
    yield h
    h.stop()


def section(page: Page, name: str):
    return page.locator("section.internet-modem", has=page.locator("h2", has_text=name))


@pytest.fixture(scope="module")
def first_look(page: Page, harness):
    """The Internet page reached from the menu before anything is changed: what it showed."""
    page.goto(harness.base + "/")
    page.click("#nav a[href='/internet']")
    page.wait_for_url(harness.base + "/internet")
    two = section(page, "2 ports")
    one = section(page, "1 port")
    shown = SimpleNamespace(
        two=two.inner_text(),
        one_conflict=one.locator(".internet-conflict").is_visible(),
        one_connect_disabled=one.locator("form[action$='/connect'] button").is_disabled(),
        two_conflicts=two.locator(".internet-conflict").count(),
    )
    shoot(page, "60-internet")
    return shown


def test_nav_leads_to_the_page_with_both_modems(first_look):
    assert "offline" in first_look.two
    assert first_look.one_conflict
    assert first_look.one_connect_disabled
    assert first_look.two_conflicts == 0


def test_preset_then_connect_and_disconnect(page: Page, harness, first_look):
    sim, modem_id = harness.sims[0], harness.modem_ids[0]
    page.goto(harness.base + "/internet")
    two = section(page, "2 ports")
    two.locator("select[name=preset]").select_option("Three (3)")
    two.locator("form.internet-preset button").click()
    page.wait_for_url(harness.base + "/internet")
    assert "Three (3) APN settings saved" in page.inner_text(".flash")
    assert harness.broker.store.get_record("modems", modem_id)["apn"] == "3data"
    assert "3data" in section(page, "2 ports").locator("[data-link=apn]").inner_text()
    section(page, "2 ports").locator("form[action$='/connect'] button").click()
    page.wait_for_url(harness.base + "/internet")
    assert "dialling started" in page.inner_text(".flash")
    assert sim.data_port is not None and sim.data_port.dialogue.mode is Mode.DATA
    assert sim.dialogue.mode is Mode.COMMAND
    connected = section(page, "2 ports")
    assert "connecting" in connected.locator("h2").inner_text()  # no real pppd: no interface
    assert connected.locator("form[action$='/disconnect'] button").is_visible()  # pppd runs
    shoot(page, "61-internet-connected")
    connected.locator("form[action$='/disconnect'] button").click()
    page.wait_for_url(harness.base + "/internet")
    assert "disconnected" in page.inner_text(".flash")
    assert sim.data_port.dialogue.mode is Mode.COMMAND
    assert section(page, "2 ports").locator("form[action$='/connect'] button").is_enabled()


def test_pause_sms_enables_connect_on_a_one_port_modem(page: Page, harness, first_look):
    sim, modem_id = harness.sims[1], harness.modem_ids[1]
    page.goto(harness.base + "/internet")
    section(page, "1 port").locator("form[action$='/pause-sms'] button").click()
    page.wait_for_url(harness.base + "/internet")
    assert "SMS paused" in page.inner_text(".flash")
    one = section(page, "1 port")
    assert "SMS is paused on this modem" in one.inner_text()
    assert one.locator("form[action$='/connect'] button").is_enabled()
    shoot(page, "62-internet-sms-paused")
    assert harness.broker.store.get_record("modems", modem_id)["active"] is False
    assert sim.dialogue.mode is Mode.COMMAND
