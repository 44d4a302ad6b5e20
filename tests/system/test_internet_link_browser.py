"""The Internet page's link card after a lost link, in real headless Chromium: Connect keeps
the link up; when pppd ends the card says since when, why (pppd's log in words) and when the
next redial is. The privileged helper runs under a test root with the ppp stand-in.
Screenshots ``test-output/screenshots/63-internet-link-lost-*.png``."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).parent))
from broker_harness import BrokerHarness
from browser_tools import chromium, owner_page, shoot
from playwright.sync_api import expect
from ppp_stand_in import internet_root

from otpbroker.bootstrap import Machine
from otpbroker.services.link_redial import LinkRedial
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.internet import InternetControl
from otpbroker.system.ppp_status import link_status

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
PPPD_LOG = (  # what pppd logs when the operator stops answering
    "local  IP address 10.64.64.2\nremote IP address 10.64.64.1\n"
    "No response to 4 echo-requests\nSerial link appears to be disconnected.\n"
    "Connection terminated.\n"
)


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    root = internet_root(tmp_path)
    run_dir = root.path("/run")
    helper = HelperClient(root.transport(), root.stage)

    def read(name: str) -> dict:
        return link_status(name, run_dir=str(run_dir), log_file=str(run_dir / f"{name}.log"))

    def internet(sms_holds):
        control = InternetControl(helper, sms_holds=sms_holds, status_reader=read)
        return LinkRedial(control, delays=(600.0,), check_seconds=0.1)  # no redial here

    h = BrokerHarness(tmp_path / "data", Machine(internet=internet))
    sim, modem_id = h.add_modem(profile={"data_port": True, "accepted_apns": ("3data",)},
                                name="Three stick", internet_access=True, apn="3data",
                                apn_username="3data", apn_password="3data")  # fmt: skip
    assert sim.data_port is not None
    h.broker.store.update("modems", modem_id, {"data_port": sim.data_port.port})
    h.start()
    h.run_dir = run_dir
    yield h
    h.stop()


def test_a_lost_link_is_shown_with_its_reason_and_the_next_redial(harness) -> None:
    modem_id = harness.modem_ids[0]
    with (
        chromium() as browser,
        owner_page(browser, harness.base, harness.broker.setup_code.read(), OWNER) as page,
    ):
        page.goto(harness.base + "/internet")
        card = page.locator(f'section.internet-modem[data-modem="{modem_id}"]')
        expect(card.locator('[data-link="redial"]')).to_contain_text("not kept up")
        card.get_by_role("button", name="Connect").click()
        page.wait_for_url(harness.base + "/internet")
        expect(card.locator('[data-link="redial"]')).to_contain_text("redialled 0 times")
        [pid_file] = harness.run_dir.glob("ppp-*.pid")
        name = pid_file.name.removeprefix("ppp-").removesuffix(".pid")  # ppp-NAME.pid
        (harness.run_dir / f"{name}.log").write_text(PPPD_LOG)
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
        pid_file.unlink()  # pppd ends and removes its pid file
        page.wait_for_timeout(500)  # a few checks of the redial loop
        page.goto(harness.base + "/internet")
        expect(card.locator('[data-link="state"]')).to_have_text("offline")
        expect(card.locator('[data-link="problem"]')).to_have_text(
            "the operator stopped answering (LCP echo requests unanswered)"
        )
        expect(card.locator('[data-link="since"]')).to_contain_text("UTC")
        expect(card.locator('[data-link="redial"]')).to_contain_text("next redial in")
        shoot(page, "63-internet-link-lost", scroll_to=f'section[data-modem="{modem_id}"]')
        card.get_by_role("button", name="Disconnect").click()
        page.wait_for_url(harness.base + "/internet")
        expect(card.locator('[data-link="redial"]')).to_contain_text("not kept up")
