"""Hot-plug wired in the broker: a modem found by IMEI at a new path is stored and used."""

from __future__ import annotations

import sys
from pathlib import Path

from otpbroker.modem.hotplug import TtyEvent
from otpbroker.modem.sim import ModemProfile, SimModem

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness


def test_modem_rematched_by_imei_is_stored_and_sends(tmp_path):
    harness = BrokerHarness(tmp_path / "data")
    sim = SimModem(ModemProfile(imei="356938035647701"), link_dir=tmp_path / "by-id").start()
    old = tmp_path / "gone" / "usb-Huawei_E3531-if00-port0"
    store = harness.broker.store
    record = store.add("modems", {"name": "stick", "port": str(old), "imei": sim.imei})
    harness.add_user()
    harness.broker.start("127.0.0.1", 0)
    try:
        assert not harness.broker.pool.statuses()[0].connected
        done = harness.broker.hotplug.handle(TtyEvent("add", sim.path, (str(sim.link),), True))
        assert done == [f"moved {record['id']} to {sim.link}"]
        assert store.list("modems")[0]["port"] == str(sim.link)
        harness.base = "http://{}:{}".format(*harness.broker.listeners.bound_address)
        harness.wait_modems()
        status, body, _ = harness.send_sms("+6281234567890", "hello again")
        assert (status, body["response_code"]) == (200, "0000"), body
        assert body["data"]["modem"] == record["id"]
        assert sim.wait_for_deliveries(1)[0].text == "hello again"
    finally:
        harness.stop()
        sim.stop()


def test_broker_without_udev_keeps_running(tmp_path, caplog):
    harness = BrokerHarness(tmp_path / "data")
    harness.broker.hotplug.stop()
    caplog.set_level("INFO", logger="otpbroker.modem.hotplug")
    if Path("/run/udev").is_dir():
        return  # this machine has udev: hot-plug really listens
    harness.start()
    try:
        assert "no udev here" in caplog.text
        assert harness.request("/api/openapi.json", method="GET", auth=None)[0] == 200
    finally:
        harness.stop()
