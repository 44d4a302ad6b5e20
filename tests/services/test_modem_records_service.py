"""The configured modems over the real configuration store: the list the admin shows, the
secrets rule (blank keeps, the tick box removes), activate, delete, the prefill for a
detected modem and the ports ``otp-broker serve --modem`` registers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from otpbroker.config import ConfigStore
from otpbroker.services.modem_records import (
    SECRET_FIELDS,
    ModemRecords,
    secret_changes,
    suggestion,
)
from otpbroker.web.admin.modem_form import SECRET_KEYS

IMEI = "861234567890123"


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def modems(store) -> ModemRecords:
    return ModemRecords(store)


def add(modems: ModemRecords, name: str = "XL stick", port: str = "/dev/ttyA", **secrets):
    return modems.add({"name": name, "port": port}, secrets)


def test_modem_names_by_id():
    repo = SimpleNamespace(list=lambda collection: [{"id": "m1", "name": "XL stick"}])
    assert ModemRecords(repo).names() == {"m1": "XL stick"}


def test_the_list_shows_each_modem_at_a_glance(modems, store):
    modem = modems.add({"name": "XL stick", "port": "/dev/ttyA", "prefixes": ["62817"],
                        "default_modem": True}, {"pin": "1234"})  # fmt: skip
    row = modems.rows()[0]
    assert row == {"id": modem["id"], "name": "XL stick", "port": "/dev/ttyA", "active": True,
                   "default": True, "api": True, "internet": False, "prefixes": ["62817"]}  # fmt: skip
    assert "pin" not in row
    assert modems.names() == {modem["id"]: "XL stick"}


def test_a_modem_view_says_whether_each_secret_is_set(modems):
    modem = add(modems, pin="1234")
    view = modems.view(modem["id"])
    assert (view["id"], view["name"], view["pin"], view["apn_password"]) == (
        modem["id"], "XL stick", True, False)  # fmt: skip
    with pytest.raises(LookupError):
        modems.view("missing")


def test_blank_keeps_a_stored_secret_and_the_tick_box_removes_it(modems, store):
    modem = add(modems, pin="1234", apn_password="secret")
    values = {"name": "renamed", "port": "/dev/ttyA"}
    modems.edit(modem["id"], values, {"pin": "  ", "apn_password": ""})
    stored = store.get_record("modems", modem["id"])
    assert (stored["name"], stored["pin"], stored["apn_password"]) == ("renamed", "1234", "secret")
    modems.edit(modem["id"], values, {"pin": " 4321 "}, clear=("apn_password",))
    stored = store.get_record("modems", modem["id"])
    assert (stored["pin"], stored["apn_password"]) == ("4321", "")


def test_secret_changes_of_a_new_modem_store_blanks():
    assert secret_changes({"pin": ""}, (), new=True) == {"pin": "", "apn_password": ""}
    assert secret_changes({"pin": ""}, (), new=False) == {}
    assert secret_changes({"apn_password": " x "}, (), new=False) == {"apn_password": " x "}


def test_a_refused_record_names_the_field_and_stores_nothing(modems, store):
    with pytest.raises(ValueError) as refused:
        add(modems, pin="12")
    assert refused.value.key == "modems.pin"
    assert store.list("modems") == []
    modem = add(modems)
    with pytest.raises(ValueError) as refused:
        modems.edit(modem["id"], {"port": "ttyUSB0"}, {})
    assert refused.value.key == "modems.port"
    assert store.get_record("modems", modem["id"])["port"] == "/dev/ttyA"
    with pytest.raises(LookupError):
        modems.edit("missing", {"name": "x"}, {})


def test_activate_deactivate_and_delete(modems, store):
    modem = add(modems)
    modems.set_active(modem["id"], False)
    assert modems.active() == []
    modems.set_active(modem["id"], True)
    assert [m["id"] for m in modems.active()] == [modem["id"]]
    assert modems.delete(modem["id"])["name"] == "XL stick"
    assert store.list("modems") == []
    with pytest.raises(LookupError):
        modems.delete(modem["id"])


def test_users_by_device_resolves_by_id_links(modems):
    add(modems, "one", "/dev/serial/by-id/usb-XL-if00")
    add(modems, "two", "/dev/ttyUSB3")
    same = {"/dev/serial/by-id/usb-XL-if00": "/dev/ttyUSB0"}
    assert modems.users_by_device(same) == {"/dev/ttyUSB0": ["one"], "/dev/ttyUSB3": ["two"]}


def test_the_detected_modem_prefill_keeps_only_well_formed_values():
    assert suggestion(" /dev/ttyUSB2 ", " Quectel EC25 ", IMEI) == {
        "port": "/dev/ttyUSB2", "name": "Quectel EC25", "imei": IMEI}  # fmt: skip
    assert suggestion("ttyUSB2", "", "12ab") == {}
    assert suggestion("/" + "x" * 255, "n" * 80, "")["name"] == "n" * 64
    assert "port" not in suggestion("/" + "x" * 255, "", "")


def test_register_ports_adds_each_unknown_port_once(modems, store, tmp_path):
    add(modems, "known", "/dev/ttyA")
    added = modems.register_ports(["/dev/ttyA", "/dev/ttyB", "/dev/ttyB"])
    assert [(m["name"], m["port"]) for m in added] == [("modem ttyB", "/dev/ttyB")]
    assert sorted(m["port"] for m in store.list("modems")) == ["/dev/ttyA", "/dev/ttyB"]


def test_the_admin_form_never_shows_the_secrets_the_service_keeps():
    assert set(SECRET_KEYS) == set(SECRET_FIELDS)
