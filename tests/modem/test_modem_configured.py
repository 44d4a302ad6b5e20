"""Records to running modems: ModemSpec from a record, bad records skipped, hot-plug's refs
and port moves in the store, and whether the pool holds a modem's port."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from otpbroker.modem.configured import ConfiguredModems, modem_spec
from otpbroker.modem.hotplug import ModemRef
from otpbroker.modem.hotplug_refs import StoredModemRefs
from otpbroker.modem.port_holds import SmsPortHolds

SETTINGS = {
    "sms.use_cmms": True,
    "sms.status_reports": False,
    "sms.prompt_timeout_seconds": 5,
    "sms.result_timeout_seconds": 30,
    "sms.validity_minutes": 1440,
}


def test_a_record_and_the_sms_settings_make_one_spec():
    record = {"id": "m1", "port": "/dev/ttyUSB0", "pin": "1234", "prefixes": ["62812"],
              "default_modem": True, "baud_rate": 9600, "send_from_api": False}  # fmt: skip
    spec = modem_spec(record, SETTINGS)
    assert (spec.modem_id, spec.name, spec.prefixes) == ("m1", "/dev/ttyUSB0", ("62812",))
    assert spec.default and spec.active and not spec.send_from_api
    assert (spec.serial.port, spec.serial.baudrate, spec.serial.parity) == (
        "/dev/ttyUSB0",
        9600,
        "N",
    )
    assert spec.options.pin == "1234" and spec.options.use_cmms
    assert spec.options.result_timeout == 30.0


class FakePool:
    def __init__(self):
        self.applied = None

    def apply(self, specs):
        self.applied = list(specs)


def test_a_bad_record_is_logged_and_the_others_still_run(caplog):
    pool = FakePool()
    records = [{"id": "good", "port": "/dev/a"}, {"id": "bad"}, {"id": "x", "port": "/dev/b",
               "baud_rate": "fast"}]  # fmt: skip
    with caplog.at_level(logging.ERROR):
        ConfiguredModems(pool).apply(records, SETTINGS)
    assert [spec.modem_id for spec in pool.applied] == ["good"]
    assert "modem bad skipped: bad configuration" in caplog.text
    assert "modem x skipped" in caplog.text


class FakeRepo:
    def __init__(self, modems, refuse=False):
        self.modems, self.refuse, self.updates = modems, refuse, []

    def list(self, name):
        assert name == "modems"
        return self.modems

    def update(self, name, record_id, fields):
        if self.refuse:
            raise ValueError("modems.port: taken")
        self.updates.append((name, record_id, fields))


def test_hotplug_refs_carry_the_stable_path_and_the_imei():
    repo = FakeRepo([{"id": "a", "port": "/dev/serial/by-id/x", "imei": "356938035640001"},
                     {"id": "b", "port": "/dev/ttyUSB3", "imei": ""}])  # fmt: skip
    assert StoredModemRefs(repo).refs() == [
        ModemRef("a", "/dev/serial/by-id/x", "356938035640001"),
        ModemRef("b", "/dev/ttyUSB3", None),
    ]


def test_a_moved_modem_is_stored_and_a_refusal_only_logged(caplog):
    repo = FakeRepo([])
    StoredModemRefs(repo).move("a", "/dev/ttyUSB7")
    assert repo.updates == [("modems", "a", {"port": "/dev/ttyUSB7"})]
    StoredModemRefs(FakeRepo([], refuse=True)).move("a", "/dev/ttyUSB7")
    assert "modem a: new port /dev/ttyUSB7 not stored" in caplog.text


def test_the_pool_holds_the_port_of_a_running_modem_only():
    pool = SimpleNamespace(statuses=lambda: [SimpleNamespace(modem_id="a")])
    holds = SmsPortHolds(pool)
    assert holds("a") and not holds("b")
