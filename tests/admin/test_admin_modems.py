"""Modems in the admin: list with live state, add, edit, delete, (de)activate, presets, ports."""

from __future__ import annotations

import html
import os
import re
import sys
import time
from pathlib import Path

import pytest
from admin_client import AdminClient

from otpbroker.modem.serial_ports import detect_ports
from otpbroker.modem.sim import ModemProfile, SimModem

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.bootstrap import Machine
from otpbroker.modem.serial_ports import DevSerialPorts

FORM = {
    "name": "Huawei E3131 USB 2", "port": "/dev/ttyUSB9", "imei": "", "prefixes": "",
    "baud_rate": "115200", "parity": "N", "data_bits": "8", "start_bits": "1", "stop_bits": "1",
    "send_from_api": "1", "active": "1", "pin": "", "msisdn": "", "imsi": "", "smsc": "",
    "apn": "", "apn_username": "", "apn_password": "", "dial_number": "*99#",
    "init_dial_1": "", "init_dial_2": "", "init_dial_3": "", "init_dial_4": "", "init_dial_5": "",
    "dial_command": "ATD",
}  # fmt: skip


HUAWEI = {"personality": "huawei-e3131"}
"""An emulated Huawei E3131 stick (its own identity and AT dialect)."""


class FolderSerialPorts:
    """The serial ports of a test's own ``by-id`` folder and device folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def serial_ports(self) -> list[dict[str, str]]:
        return detect_ports(str(self.folder / "by-id"), str(self.folder))


@pytest.fixture
def serial_ports(tmp_path, request):
    """Where the modem pages find serial ports: this machine's, or (param "by-id") the
    test's own ``by-id`` folder."""
    if getattr(request, "param", None) == "by-id":
        return FolderSerialPorts(tmp_path)
    return DevSerialPorts()


@pytest.fixture
def harness(tmp_path, request, serial_ports):
    h = BrokerHarness(tmp_path / "data", Machine(serial_ports=serial_ports))
    h.add_modem(profile=getattr(request, "param", {}))
    h.start()
    yield h
    h.stop()


def form(**changes):
    values = {**FORM, **changes}
    return {key: value for key, value in values.items() if value is not None}


def value_of(text, name):
    """The value attribute of the input called ``name`` (unescaped)."""
    match = re.search(rf'<input id="f-{name}" name="{name}" type="[a-z]+" value="([^"]*)"', text)
    assert match, name
    return html.unescape(match.group(1))


def row_of(text, name):
    """The table row of the modem called ``name`` on the list page."""
    for row in re.findall(r"<tr>.*?</tr>", text, re.S):
        if f"<strong>{name}</strong>" in row:
            return row
    raise AssertionError(f"no row for {name}")


def named(store, name):
    return [m for m in store.list("modems") if m["name"] == name]


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_every_route_needs_a_session(admin, harness):
    modem_id = harness.modem_ids[0]
    anonymous = AdminClient(harness.base)
    for path in ("/modems", "/modems/new", f"/modems/{modem_id}/edit"):
        status, _, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login"), path
    for path in ("/modems", f"/modems/{modem_id}", f"/modems/{modem_id}/deactivate",
                 f"/modems/{modem_id}/activate", f"/modems/{modem_id}/delete"):  # fmt: skip
        status, _, _ = anonymous.post(path, form(name="evil"), csrf=False)
        assert status in (401, 403), path
    assert [m["name"] for m in harness.broker.store.list("modems")] == ["sim 0"]
    assert harness.broker.store.list("modems")[0]["active"] is True
    admin.get("/modems")
    assert admin.post(f"/modems/{modem_id}/deactivate", csrf=False)[0] == 403


def test_added_modem_becomes_ready_with_its_imei(admin, harness):
    sim = SimModem(ModemProfile(imei="356938035649994", operator="XL Axiata")).start()
    harness.sims.append(sim)
    status, text, _ = admin.get("/modems/new")
    assert status == 200 and 'list="serial-ports"' in text and "/static/modems.js" in text
    status, _, headers = admin.post("/modems", form(name="XL stick", port=sim.port))
    assert status == 303 and headers["Location"].endswith("/modems")
    [record] = named(harness.broker.store, "XL stick")
    assert record["port"] == sim.port and record["baud_rate"] == 115200

    def ready():
        row = row_of(admin.get("/modems")[1], "XL stick")
        return ">ready<" in row and "356938035649994" in row

    wait_for(ready)
    row = row_of(admin.get("/modems")[1], "XL stick")
    assert "XL Axiata" in row and "%" in row and sim.port in row


def test_validation_errors_are_shown_next_to_the_field(admin, harness):
    store = harness.broker.store
    before = store.list("modems")
    admin.get("/modems/new")
    cases = (
        ({"port": "dev/ttyUSB0"}, "port", "must be an absolute device path"),
        ({"prefixes": "0871, 08x1"}, "prefixes", "prefix contains letters ('x')"),
        ({"pin": "12ab"}, "pin", "must be empty or 4-8 digits"),
        ({"dial_command": "XYZ"}, "dial_command", "'AT' followed by a short command"),
        ({"baud_rate": "fast"}, "baud_rate", "must be a whole number"),
    )
    for change, field, message in cases:
        status, text, _ = admin.post("/modems", form(**change))
        assert status == 400, field
        error = re.search(rf'<small class="error" id="e-{field}">([^<]*)</small>', text)
        assert error and message in html.unescape(error.group(1)), (field, error)
        assert 'aria-invalid="true"' in text or field == "baud_rate"
        assert value_of(text, "name") == "Huawei E3131 USB 2"  # the rest stays filled in
        assert "12ab" not in text  # a rejected PIN is not echoed
    assert store.list("modems") == before


def test_prefixes_are_stored_and_shown_in_msisdn_form(admin, harness):
    admin.get("/modems/new")
    assert (
        admin.post("/modems", form(name="Tri", prefixes="0871, 62872 ,0871", active=None))[0] == 303
    )
    [record] = named(harness.broker.store, "Tri")
    assert record["prefixes"] == ["62871", "62872"] and record["active"] is False
    row = row_of(admin.get("/modems")[1], "Tri")
    assert "62871, 62872" in row and "inactive" in row and "not running" in row
    _, text, _ = admin.get(f"/modems/{record['id']}/edit")
    assert value_of(text, "prefixes") == "62871, 62872"


def test_edit_keeps_secrets_when_blank_and_never_shows_them(admin, harness):
    store = harness.broker.store
    admin.get("/modems/new")
    admin.post("/modems", form(name="Locked", pin="4321", apn="3data", apn_username="3data",
                               apn_password="pw-9876", active=None))  # fmt: skip
    [record] = named(store, "Locked")
    assert record["pin"] == "4321" and record["apn_password"] == "pw-9876"
    _, text, _ = admin.get(f"/modems/{record['id']}/edit")
    assert "4321" not in text and "pw-9876" not in text
    assert value_of(text, "pin") == "" and value_of(text, "apn_password") == ""
    assert "leave blank to keep it" in text and 'name="clear_pin"' in text
    changed = form(name="Locked 2", prefixes="0812", default_modem="1", send_from_api=None,
                   active=None, apn="3data", apn_username="3data", init_dial_1="AT+CFUN=1")  # fmt: skip
    assert admin.post(f"/modems/{record['id']}", changed)[0] == 303
    record = store.get_record("modems", record["id"])
    assert record["pin"] == "4321" and record["apn_password"] == "pw-9876"
    assert record["name"] == "Locked 2" and record["prefixes"] == ["62812"]
    assert record["default_modem"] is True and record["send_from_api"] is False
    assert record["init_dial_1"] == "AT+CFUN=1"
    admin.get(f"/modems/{record['id']}/edit")
    admin.post(f"/modems/{record['id']}", {**changed, "pin": "98765"})
    assert store.get_record("modems", record["id"])["pin"] == "98765"
    admin.get(f"/modems/{record['id']}/edit")
    admin.post(f"/modems/{record['id']}", {**changed, "clear_pin": "1"})
    record = store.get_record("modems", record["id"])
    assert record["pin"] == "" and record["apn_password"] == "pw-9876"
    status, text, _ = admin.post(f"/modems/{record['id']}", {**changed, "pin": "1"})
    assert status == 400 and 'id="e-pin"' in text
    assert store.get_record("modems", record["id"])["name"] == "Locked 2"
    assert "98765" not in admin.get("/modems")[1]


def test_deactivate_stops_the_worker_activate_restarts_it_delete_removes_it(admin, harness):
    pool, store = harness.broker.pool, harness.broker.store
    modem_id = harness.modem_ids[0]
    running = lambda: modem_id in {s.modem_id for s in pool.statuses()}  # noqa: E731
    ready = lambda: any(s.modem_id == modem_id and s.connected for s in pool.statuses())  # noqa: E731
    assert running()
    admin.get("/modems")
    status, _, headers = admin.post(f"/modems/{modem_id}/deactivate")
    assert status == 303 and headers["Location"].endswith("/modems")
    assert store.get_record("modems", modem_id)["active"] is False
    wait_for(lambda: not running())
    text = admin.get("/modems")[1]
    assert "Modem sim 0 deactivated." in text and "not running" in row_of(text, "sim 0")
    admin.post(f"/modems/{modem_id}/activate")
    wait_for(ready)
    admin.get("/modems")
    admin.post(f"/modems/{modem_id}/delete")
    assert store.list("modems") == []
    wait_for(lambda: not running())
    text = admin.get("/modems")[1]
    assert "Modem sim 0 deleted." in text and "No modem is configured yet" in text
    assert admin.get(f"/modems/{modem_id}/edit")[0] == 404
    assert 'data-confirm="Delete modem' not in text


def test_delete_form_asks_for_confirmation(admin, harness):
    text = admin.get("/modems")[1]
    assert (
        f'action="/modems/{harness.modem_ids[0]}/delete" data-confirm="Delete modem sim 0?"' in text
    )


def test_apn_preset_fills_the_form_without_javascript(admin, harness):
    store = harness.broker.store
    admin.get("/modems/new")
    status, text, _ = admin.post("/modems", form(preset="smartfren", apply_preset="1"))
    assert status == 200
    assert value_of(text, "apn") == "smartfren4g" and value_of(text, "apn_username") == "smartfren"
    assert value_of(text, "apn_password") == "smartfren" and value_of(text, "dial_number") == "*99#"
    assert value_of(text, "name") == "Huawei E3131 USB 2"
    assert '<option value="smartfren" ' in text and "selected>Smartfren" in text
    status, text, _ = admin.post("/modems", form(preset="axis", apply_preset="1", pin="8642"))
    assert (value_of(text, "apn"), value_of(text, "apn_username"), value_of(text, "apn_password"),
            value_of(text, "dial_number")) == ("axis", "axis", "123456", "*99#")  # fmt: skip
    assert "Type the SIM PIN again" in text and "8642" not in text
    assert [m["name"] for m in store.list("modems")] == ["sim 0"]  # nothing saved
    status, text, _ = admin.post("/modems", form(preset="", apply_preset="1"))
    assert status == 400 and "choose an operator first" in text
    # Editing: a preset without password ticks "remove the stored password".
    record = store.add("modems", {"name": "ppp", "port": "/dev/ttyUSB3", "active": False,
                                  "apn": "3data", "apn_password": "3data"})  # fmt: skip
    admin.get(f"/modems/{record['id']}/edit")
    _, text, _ = admin.post(f"/modems/{record['id']}", form(preset="telkomsel", apply_preset="1"))
    assert value_of(text, "apn") == "internet" and value_of(text, "apn_password") == ""
    assert re.search(r'name="clear_apn_password" value="1" checked', text)
    assert store.get_record("modems", record["id"])["apn"] == "3data"
    data = re.search(r'<option value="three" ([^>]*)>', text).group(1)
    assert 'data-apn="3data" data-user="3data" data-password="3data" data-dial="*99#"' in data


def test_detect_ports_lists_by_id_links_then_devices(tmp_path):
    dev = tmp_path / "dev"
    by_id = dev / "serial" / "by-id"
    by_id.mkdir(parents=True)
    for name in ("ttyUSB0", "ttyUSB1", "ttyUSB10", "ttyUSB2", "ttyACM0", "ttyS0", "null"):
        (dev / name).touch()
    os.symlink("../../ttyUSB2", by_id / "usb-HUAWEI_Mobile_E3131-if02-port0")
    os.symlink("../../ttyUSB0", by_id / "usb-HUAWEI_Mobile_E3131-if00-port0")
    os.symlink("../../ttyUSB7", by_id / "usb-gone-if00-port0")  # unplugged: left out
    (by_id / "not-a-link").touch()
    real = os.path.realpath(dev)
    ports = detect_ports(by_id_dir=str(by_id), dev_dir=str(dev))
    assert [(p["kind"], os.path.basename(p["path"])) for p in ports] == [
        ("by-id", "usb-HUAWEI_Mobile_E3131-if00-port0"),
        ("by-id", "usb-HUAWEI_Mobile_E3131-if02-port0"),
        ("device", "ttyACM0"),
        ("device", "ttyUSB0"),
        ("device", "ttyUSB1"),
        ("device", "ttyUSB2"),
        ("device", "ttyUSB10"),
    ]
    assert ports[0]["target"] == f"{real}/ttyUSB0" and ports[1]["target"] == f"{real}/ttyUSB2"
    usb0 = next(p for p in ports if p["path"].endswith("/ttyUSB0"))
    assert usb0["links"] == str(by_id / "usb-HUAWEI_Mobile_E3131-if00-port0")
    assert all(set(p) == {"path", "target", "kind", "links"} for p in ports)
    assert detect_ports(by_id_dir=str(tmp_path / "none"), dev_dir=str(tmp_path / "none")) == []


@pytest.mark.parametrize("serial_ports", ["by-id"], indirect=True)
@pytest.mark.parametrize("harness", [HUAWEI], indirect=True)
def test_detected_ports_show_the_running_modem_and_can_be_picked(admin, harness, tmp_path):
    sim = harness.sims[0]
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    link = by_id / "usb-HUAWEI_E3131_0123456789-if00-port0"
    os.symlink(sim.path, link)
    text = admin.get("/modems")[1]
    section = text[text.index("Detected serial ports") :]
    assert str(link) in section and os.path.realpath(sim.path) in section
    assert "huawei E3131, IMEI 356938035640000, TELKOMSEL" in section
    assert "sim 0" in section  # configured as
    add_url = re.search(r'<a href="(/modems/new\?port=[^"]+)">Add a modem here</a>', section)
    _, form_text, _ = admin.get(html.unescape(add_url.group(1)))
    assert value_of(form_text, "port") == str(link)
    assert f'<option value="{link}">' in form_text and "IMEI 356938035640000" in form_text


def test_pages_follow_the_content_security_policy(admin, harness):
    modem_id = harness.modem_ids[0]
    for path in ("/modems", "/modems/new", f"/modems/{modem_id}/edit"):
        status, text, headers = admin.get(path)
        assert status == 200 and "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "style=" not in text and "<script>" not in text
        assert re.search(r"\son[a-z]+=", text) is None, path
    status, script, _ = admin.get("/static/modems.js")
    assert status == 200 and "f-preset" in script
