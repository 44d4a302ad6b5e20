"""The Internet page: link state, presets, connect/disconnect and the shared-port conflict,
against a running broker, emulated modems and the real privileged helper under a test root."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from otpbroker.bootstrap import Machine
from otpbroker.modem.sim import Mode
from otpbroker.services.link_redial import LinkRedial
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.internet import InternetControl
from otpbroker.system.ppp_status import link_status

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from ppp_stand_in import internet_root

SIM_PROFILE = {"data_port": True, "accepted_apns": ("internet", "axis")}


@pytest.fixture
def harness(tmp_path):
    root = internet_root(tmp_path)
    helper = HelperClient(root.transport(), root.stage)

    def read(name):
        run_dir = root.path("/run")
        return link_status(name, run_dir=str(run_dir), log_file=str(run_dir / f"{name}.log"))

    def internet(sms_holds):
        control = InternetControl(helper, sms_holds=sms_holds, status_reader=read)
        return LinkRedial(control, delays=(3600.0,), check_seconds=0.1)  # no redial here

    h = BrokerHarness(tmp_path / "data", Machine(internet=internet))
    h.helper_root = root
    two_ports, two_id = h.add_modem(
        profile=SIM_PROFILE,
        name="Two ports",
        internet_access=True,
        apn="internet",
        prefixes=["62812"],
    )
    assert two_ports.data_port is not None
    h.broker.store.update("modems", two_id, {"data_port": two_ports.data_port.port})
    h.add_modem(profile=SIM_PROFILE, name="One port", internet_access=True, apn="internet")
    h.add_modem(name="SMS only")
    h.add_user()
    h.start()
    yield h
    h.stop()


def card(text: str, name: str) -> str:
    start = text.index(f"<h2>{name}")
    end = text.find('<section class="card internet-modem"', start)
    return text[start : end if end > 0 else len(text)]


def flash_of(admin) -> str:
    _, text, _ = admin.get("/internet")
    return text.split('class="flash', 1)[1].split("</p>", 1)[0]


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_page_lists_internet_modems_with_state_and_conflict(harness, admin):
    status, text, _ = admin.get("/internet")
    assert status == 200
    assert '<a href="/internet" class="current">Internet</a>' in text
    assert "SMS only" not in text and "1 other modem(s)" in text
    two, one = card(text, "Two ports"), card(text, "One port")
    assert "offline" in two and "internet-conflict" not in two
    assert "internet-conflict" in one and "cannot send SMS while it is online" in one
    assert "Pause SMS" in one and "disabled" in one.split("/connect")[1].split("</form>")[0]
    assert "Smartfren: smartfren4g *99#" in two


def test_connect_dials_on_the_data_port_while_sms_goes_on(harness, admin):
    sim, modem_id = harness.sims[0], harness.modem_ids[0]
    admin.get("/internet")
    status, _, headers = admin.post(f"/internet/{modem_id}/connect")
    assert status == 303 and headers["Location"].endswith("/internet")
    assert "dialling started" in flash_of(admin)
    assert sim.data_port is not None and sim.data_port.dialogue.mode is Mode.DATA
    code, body, _ = harness.send_sms("628126666666", "Kode OTP 123456")
    assert code == 200, body
    wait_for(lambda: any(d.text == "Kode OTP 123456" for d in sim.deliveries))
    admin.post(f"/internet/{modem_id}/disconnect")
    assert "disconnected" in flash_of(admin)
    assert sim.data_port.dialogue.mode is Mode.COMMAND


def test_a_lost_link_shows_since_when_why_and_the_next_redial(harness, admin):
    modem_id = harness.modem_ids[0]
    admin.get("/internet")
    _, text, _ = admin.get("/internet")
    assert "not kept up" in card(text, "Two ports")
    admin.post(f"/internet/{modem_id}/connect")
    assert "dialling started" in flash_of(admin)
    _, text, _ = admin.get("/internet")
    shown = card(text, "Two ports")
    assert "kept up; redialled 0 times since Connect" in shown
    assert '<dd data-link="problem">none</dd>' in shown
    name = next((harness.helper_root.path("/etc/ppp/peers")).iterdir()).name
    run_dir = harness.helper_root.path("/run")
    (run_dir / f"{name}.log").write_text(  # what pppd logs when the operator goes silent
        "local  IP address 10.64.64.2\nNo response to 4 echo-requests\n"
        "Serial link appears to be disconnected.\nConnection terminated.\n"
    )
    pid_file = run_dir / f"ppp-{name}.pid"
    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
    pid_file.unlink()  # pppd ends and removes its pid file

    def offline() -> str:
        _, text, _ = admin.get("/internet")
        shown = card(text, "Two ports")
        return shown if "next redial in" in shown else ""

    wait_for(offline)
    shown = offline()
    assert "Offline since" in shown and 'data-link="state">offline' in shown
    assert ("the operator stopped answering (LCP echo requests unanswered)") in shown
    assert "next redial in 59 min" in shown or "next redial in 1 h" in shown
    admin.post(f"/internet/{modem_id}/disconnect")
    _, text, _ = admin.get("/internet")
    assert "not kept up" in card(text, "Two ports")


def test_preset_saves_the_operator_settings(harness, admin):
    modem_id = harness.modem_ids[0]
    admin.get("/internet")
    admin.post(f"/internet/{modem_id}/preset", {"preset": "Axis"})
    assert "Axis APN settings saved" in flash_of(admin)
    record = harness.broker.store.get_record("modems", modem_id)
    assert (record["apn"], record["apn_username"], record["apn_password"]) == (
        "axis",
        "axis",
        "123456",
    )
    admin.post(f"/internet/{modem_id}/preset", {"preset": "Nope"})
    assert "Unknown APN preset" in flash_of(admin)
    assert harness.broker.store.get_record("modems", modem_id)["apn"] == "axis"


def test_shared_port_connects_only_after_sms_is_paused(harness, admin):
    sim, modem_id = harness.sims[1], harness.modem_ids[1]
    admin.get("/internet")
    admin.post(f"/internet/{modem_id}/connect")
    assert "no separate data port" in flash_of(admin)
    assert sim.dialogue.mode is Mode.COMMAND
    admin.post(f"/internet/{modem_id}/pause-sms")
    assert "SMS paused" in flash_of(admin)
    assert harness.broker.store.get_record("modems", modem_id)["active"] is False
    wait_for(lambda: not harness.broker.sms_holds(modem_id))
    admin.post(f"/internet/{modem_id}/connect")
    assert "dialling started" in flash_of(admin)
    assert sim.dialogue.mode is Mode.DATA
    admin.post(f"/internet/{modem_id}/disconnect")
    admin.post(f"/internet/{modem_id}/resume-sms")
    assert "SMS resumed" in flash_of(admin)
    harness.wait_modems()


def test_actions_need_csrf_and_a_known_modem(harness, admin):
    modem_id = harness.modem_ids[0]
    admin.get("/internet")
    status, _, _ = admin.post(f"/internet/{modem_id}/connect", {"csrf": "forged"})
    assert status == 403
    assert harness.sims[0].data_port.dialogue.mode is Mode.COMMAND
    status, _, _ = admin.post("/internet/nosuchmodem/connect")
    assert status == 404
