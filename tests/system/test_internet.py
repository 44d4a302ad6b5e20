"""InternetControl end to end: the real privileged helper under a test root installs the
rendered files, and a ppp stand-in runs the real ``chat`` with them on an emulated modem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helper_root import HelperRoot
from ppp_stand_in import internet_root

from otpbroker.modem.sim import Mode, ModemProfile, SimModem
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.internet import InternetControl, InternetError, shares_sms_port
from otpbroker.system.ppp_status import link_status
from otpbroker.system.render_ppp import link_from_record, link_name, render_chat, render_peer

MODEM_ID = "0a1b2c3d4e5f6789"
NAME = link_name(MODEM_ID)


@pytest.fixture
def root(tmp_path: Path) -> HelperRoot:
    return internet_root(tmp_path)


@pytest.fixture
def control(root: HelperRoot) -> InternetControl:
    helper = HelperClient(root.transport(), root.stage)
    return InternetControl(
        helper, status_reader=lambda name: link_status(name, run_dir=str(root.path("/run")))
    )


@pytest.fixture
def modem() -> Iterator[SimModem]:
    sim = SimModem(ModemProfile(data_port=True, accepted_apns=("internet",))).start()
    yield sim
    sim.stop()


def record(sim: SimModem, **changes: Any) -> dict[str, Any]:
    assert sim.data_port is not None
    values = {
        "id": MODEM_ID,
        "name": "Huawei E3131",
        "port": sim.port,
        "data_port": sim.data_port.port,
        "baud_rate": 115200,
        "internet_access": True,
        "active": True,
        "apn": "internet",
        "apn_username": "",
        "apn_password": "",
        "dial_number": "*99#",
        "dial_command": "ATD",
        **{f"init_dial_{n}": "" for n in range(1, 6)},
    }
    values.update(changes)
    return values


def test_connect_installs_files_dials_on_data_port_and_disconnects(control, root, modem):
    modem_record = record(modem, init_dial_1="AT+CFUN=1")
    state = control.connect(modem_record)
    link = link_from_record(modem_record)
    assert root.path(f"/etc/ppp/peers/{NAME}").read_text() == render_peer(link)
    assert root.path(f"/etc/chatscripts/{NAME}").read_text() == render_chat(link)
    assert modem.data_port is not None
    assert modem.data_port.dialogue.mode is Mode.DATA
    assert modem.dialogue.mode is Mode.COMMAND  # the SMS port stays free
    assert state["device"] == modem.data_port.port and state["shares_sms_port"] is False
    assert state["name"] == NAME and state["settings_error"] is None
    control.disconnect(modem_record)
    assert modem.data_port.dialogue.mode is Mode.COMMAND
    assert modem.dialogue.state.in_call is False
    assert (root.root / "pppctl.log").read_text().splitlines() == [f"up {NAME}", f"down {NAME}"]


def test_wrong_apn_fails_with_the_helper_message(control, modem):
    with pytest.raises(InternetError, match=r"Connecting failed: .*chat failed with exit code 5"):
        control.connect(record(modem, apn="wrongapn"))
    assert modem.data_port is not None and modem.data_port.dialogue.mode is Mode.COMMAND


def test_shared_port_needs_sms_paused_and_released(root, modem):
    helper = HelperClient(root.transport(), root.stage)
    held = {"value": True}
    control = InternetControl(helper, sms_holds=lambda modem_id: held["value"])
    shared = record(modem, data_port="")
    assert shares_sms_port(shared) and shares_sms_port(record(modem, data_port=modem.port))
    with pytest.raises(InternetError, match="no separate data port"):
        control.connect(shared)
    with pytest.raises(InternetError, match="still holds its port"):
        control.connect({**shared, "active": False})
    assert list(root.stage.iterdir()) == []  # refused before anything was staged
    held["value"] = False
    assert control.connect({**shared, "active": False})["shares_sms_port"] is True
    assert modem.dialogue.mode is Mode.DATA
    control.disconnect(shared)
    assert modem.dialogue.mode is Mode.COMMAND


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"internet_access": False}, "Internet access is off"),
        ({"apn": "bad apn"}, "settings are invalid: APN"),
        ({"apn_password": "x", "apn_username": ""}, "settings are invalid"),
    ],
)
def test_refusals_change_nothing(control, root, modem, changes, message):
    with pytest.raises(InternetError, match=message):
        control.connect(record(modem, **changes))
    assert list(root.stage.iterdir()) == []
    assert not root.path("/etc/ppp").exists()


def test_off_a_device_nothing_runs(modem, tmp_path):
    control = InternetControl(HelperClient(None, tmp_path))
    assert control.available is False
    with pytest.raises(InternetError, match="device only"):
        control.connect(record(modem))
    with pytest.raises(InternetError, match="device only"):
        control.disconnect(record(modem))
    state = control.status(record(modem))
    assert state["up"] is False and state["name"] == NAME


def test_status_reports_invalid_settings_instead_of_failing(control, modem):
    state = control.status(record(modem, dial_number=""))
    assert state["settings_error"].startswith("Dial number")
    assert state["up"] is False
