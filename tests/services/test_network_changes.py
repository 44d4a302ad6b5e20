"""The safety net's settings side (NetworkChanges) with the real privileged helper (a
subprocess under a temporary root, fake systemctl): an unconfirmed change is undone in the
stored settings by itself, also across a restart of the app; a confirmed one is kept; a
damaged record file is reported, set aside and never crashes anything."""

from __future__ import annotations

import json
import logging
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from helper_root import HelperRoot

from otpbroker.bootstrap import Machine
from otpbroker.config.store import ConfigStore
from otpbroker.services.network_changes import NetworkChanges
from otpbroker.services.network_pending_file import (
    FILE_NAME,
    PendingChangeFile,
    RecordBefore,
    UnconfirmedChange,
)
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.network_control import NetworkControl

FACTORY = ("OTP-Broker-T3ST", "factory-pass-1")
HOSTAPD = "/etc/hostapd/hostapd.conf"
NFT = "/etc/nftables.conf"


@pytest.fixture
def root(tmp_path):
    return HelperRoot(tmp_path / "root")


@pytest.fixture
def control(root):
    helper = HelperClient(root.transport(), root.stage)
    return NetworkControl(helper, lambda: FACTORY)


@pytest.fixture
def store(tmp_path):
    store = ConfigStore(tmp_path / "data")
    yield store
    store.close()


def changes_of(store: ConfigStore, control: NetworkControl, interval: float = 2.0):
    return NetworkChanges(store, lambda: control, store.data_dir, interval=interval)


def apply_settings(changes: NetworkChanges, store: ConfigStore, control: NetworkControl,
                   new: dict, window: float, targets: list[str]) -> str:  # fmt: skip
    """What the Network page does: store, then apply with the safety net; the token."""
    old = {key: store.get(key) for key in new}
    store.update_settings(new)
    settings = {**store.settings(), "network.confirm_seconds": window}
    ports = store.list("firewall_ports")
    result = changes.apply("Network name (SSID)",
                           lambda: control.apply(settings, ports, True, targets),
                           settings=old)  # fmt: skip
    return str(result["token"])


def wait_for(check: Callable[[], bool], limit: float = 30.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_unconfirmed_change_is_restored_with_nobody_looking(store, control, root):
    store.update_settings({"wlan.ssid": "Gudang", "wlan.channel": 6})
    changes = changes_of(store, control)
    changes.start()
    try:
        apply_settings(changes, store, control, {"wlan.ssid": "Kantor Lt 2", "wlan.channel": 11},
                       3, ["hostapd"])  # fmt: skip
        assert "ssid=Kantor Lt 2" in root.path(HOSTAPD).read_text()
        assert store.get("wlan.ssid") == "Kantor Lt 2"
        wait_for(lambda: not (store.data_dir / FILE_NAME).exists())  # nobody calls pending()
        assert store.get("wlan.ssid") == "Gudang" and store.get("wlan.channel") == 6
        assert root.ok("pending") == {}
        notices = changes.take_notices()
        assert notices == ["The change of Network name (SSID) was not confirmed in time and "
                           "was reverted; the previous settings are back."]  # fmt: skip
        assert changes.take_notices() == []
    finally:
        changes.stop()


def test_record_holds_only_the_touched_keys_privately(store, control, root):
    store.update_settings({"wlan.passphrase": "old-wifi-pass", "api.http_port": 8090})
    changes = changes_of(store, control)
    token = apply_settings(changes, store, control, {"wlan.channel": 3}, 60, ["hostapd"])
    path = store.data_dir / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert [c["token"] for c in data["changes"]] == [token]
    assert data["changes"][0]["settings"] == {"wlan.channel": 6}
    assert "old-wifi-pass" not in path.read_text() and "8090" not in path.read_text()
    assert [p.name for p in store.data_dir.iterdir() if p.name.startswith(".network")] == [
        ".network-pending.lock"]  # no temporary file left  # fmt: skip
    root.ok("revert")


def test_confirm_keeps_the_settings_and_drops_the_record(store, control, root):
    changes = changes_of(store, control)
    token = apply_settings(changes, store, control, {"wlan.ssid": "Kantor"}, 60, ["hostapd"])
    assert (store.data_dir / FILE_NAME).exists()
    assert changes.pending()["token"] == token
    assert changes.confirm(token) == {"confirmed": True}
    assert not (store.data_dir / FILE_NAME).exists()
    assert changes.reconcile() is False and changes.pending() == {}
    assert store.get("wlan.ssid") == "Kantor" and changes.take_notices() == []
    assert "ssid=Kantor\n" in root.path(HOSTAPD).read_text()


def test_a_wrong_token_is_refused_and_the_change_stays_recorded(store, control, root):
    changes = changes_of(store, control)
    apply_settings(changes, store, control, {"wlan.ssid": "Kantor"}, 60, ["hostapd"])
    with pytest.raises(Exception, match="wrong confirmation token"):
        changes.confirm("0" * 16)
    assert store.get("wlan.ssid") == "Kantor"
    root.ok("revert")
    assert changes.reconcile() is False
    assert store.get("wlan.ssid") == ""


def test_a_failed_apply_leaves_no_record(store, control, root):
    root.fail_service("hostapd")
    changes = changes_of(store, control)
    with pytest.raises(Exception, match="restart of hostapd failed"):
        apply_settings(changes, store, control, {"wlan.ssid": "Kantor"}, 60, ["hostapd"])
    assert not (store.data_dir / FILE_NAME).exists()


def test_firewall_records_come_back_after_a_revert(store, control, root):
    kept = store.add("firewall_ports", {"port": 1883, "protocol": "tcp", "comment": "MQTT"})
    edited = store.add("firewall_ports", {"port": 8080, "protocol": "tcp"})
    added = store.add("firewall_ports", {"port": 5683, "protocol": "udp"})
    store.delete("firewall_ports", kept["id"])
    store.update("firewall_ports", edited["id"], {"port": 8081, "active": False})
    changes = changes_of(store, control)
    settings = {**store.settings(), "network.confirm_seconds": 60}
    befores = [
        RecordBefore("firewall_ports", kept["id"], {k: v for k, v in kept.items() if k != "id"}),
        RecordBefore("firewall_ports", edited["id"], {"port": 8080, "active": True}),
        RecordBefore("firewall_ports", added["id"], None),
    ]
    changes.apply("the firewall", lambda: control.apply(settings, store.list("firewall_ports"),
                                                        True, ["nftables"]),
                  records=befores)  # fmt: skip
    root.ok("revert")
    assert changes.reconcile() is False
    ports = sorted((r["port"], r["protocol"], r["active"], r["comment"])
                   for r in store.list("firewall_ports"))  # fmt: skip
    assert ports == [(1883, "tcp", True, "MQTT"), (8080, "tcp", True, "")]


def test_restore_is_all_or_nothing(store, control, caplog):
    store.update_settings({"wlan.ssid": "Baru"})
    PendingChangeFile(store.data_dir / FILE_NAME).save([UnconfirmedChange(
        "Network name (SSID)", "0" * 16, {"wlan.ssid": "Lama"},
        [RecordBefore("firewall_ports", "gone", {"port": 99999, "protocol": "tcp"})],
    )])  # fmt: skip
    changes = changes_of(store, control)
    with caplog.at_level(logging.ERROR):
        assert changes.reconcile() is False  # the helper has nothing pending
    assert store.get("wlan.ssid") == "Baru"  # the settings step was undone again
    assert store.list("firewall_ports") == []
    [notice] = changes.take_notices()
    assert notice.startswith("The change of Network name (SSID) was reverted, but the stored "
                             "settings could not be restored: ")  # fmt: skip
    assert "65535" in notice
    assert "restoring the stored wlan.ssid, firewall_ports/gone failed" in caplog.text


def test_a_restart_during_the_window_still_restores(tmp_path, control, root):
    data = tmp_path / "broker"
    first = BrokerHarness(data, Machine(network=control))
    first.start()
    store = first.broker.store
    store.update_settings({"wlan.ssid": "Gudang"})
    apply_settings(first.broker.network_changes, store, control, {"wlan.ssid": "Kantor"}, 4,
                   ["hostapd"])  # fmt: skip
    first.stop()  # the app goes away during the window
    assert root.ok("pending")["targets"] == ["hostapd"]
    second = BrokerHarness(data, Machine(network=control))
    second.start()
    try:
        assert second.broker.store.get("wlan.ssid") == "Kantor"  # still waiting
        root.wait_pending_cleared()  # the helper's own timer reverts the files
        wait_for(lambda: not (data / FILE_NAME).exists())
        assert second.broker.store.get("wlan.ssid") == "Gudang"
        [notice] = second.broker.network_changes.take_notices()
        assert "was not confirmed in time" in notice
    finally:
        second.stop()


def test_a_restart_after_the_revert_restores_at_start(tmp_path, control, root):
    data = tmp_path / "broker"
    store = ConfigStore(data)
    apply_settings(changes_of(store, control), store, control, {"wlan.ssid": "Kantor"}, 60,
                   ["hostapd"])  # fmt: skip
    store.close()
    root.ok("revert")  # while the app was down
    harness = BrokerHarness(data, Machine(network=control))
    harness.start()
    try:
        wait_for(lambda: not (data / FILE_NAME).exists())
        assert harness.broker.store.get("wlan.ssid") == ""
    finally:
        harness.stop()


def test_a_crash_before_the_token_was_noted_adopts_the_helpers_change(store, control, root):
    settings = {**store.settings(), "wlan.ssid": "Kantor", "network.confirm_seconds": 60}
    control.apply(settings, [], True, ["hostapd"])
    store.update_settings({"wlan.ssid": "Kantor"})
    PendingChangeFile(store.data_dir / FILE_NAME).save(
        [UnconfirmedChange("Network name (SSID)", None, {"wlan.ssid": ""})]
    )
    changes = changes_of(store, control)
    assert changes.reconcile() is True
    token = root.ok("pending")["token"]
    stored = json.loads((store.data_dir / FILE_NAME).read_text())
    assert stored["changes"][0]["token"] == token
    root.ok("revert")
    assert changes.reconcile() is False
    assert store.get("wlan.ssid") == ""


def test_damaged_record_file_is_set_aside_with_a_clear_log_line(store, control, caplog):
    path = store.data_dir / FILE_NAME
    path.write_text('{"version": 1, "changes": [{"token": ')
    changes = changes_of(store, control)
    with caplog.at_level(logging.ERROR, logger="otpbroker.services.network_changes"):
        assert changes.reconcile() is False
    assert "network-pending.json is damaged" in caplog.text
    assert "moved aside to" in caplog.text and "cannot be restored automatically" in caplog.text
    assert not path.exists() and path.with_name(FILE_NAME + ".damaged").exists()
    [notice] = changes.take_notices()
    assert "could not be read" in notice
    assert changes.pending() == {} and changes.reconcile() is False


def test_a_record_naming_other_settings_counts_as_damaged(store, control, caplog):
    store.update_settings({"api.http_port": 8090})
    path = store.data_dir / FILE_NAME
    path.write_text(json.dumps({"version": 1, "changes": [{
        "token": "0" * 16, "summary": "x", "settings": {"api.http_port": 8888},
        "records": [], "confirming": False}]}))  # fmt: skip
    changes = changes_of(store, control)
    with caplog.at_level(logging.ERROR):
        assert changes.reconcile() is False
    assert "setting 'api.http_port' is not a network setting" in caplog.text
    assert store.get("api.http_port") == 8090


def test_a_missing_record_file_restores_nothing_and_never_fails(store, control, root):
    changes = changes_of(store, control)
    apply_settings(changes, store, control, {"wlan.ssid": "Kantor"}, 60, ["hostapd"])
    (store.data_dir / FILE_NAME).unlink()
    root.ok("revert")
    assert changes.reconcile() is False and changes.pending() == {}
    assert store.get("wlan.ssid") == "Kantor" and changes.take_notices() == []


def test_without_a_helper_nothing_is_asked_and_the_record_is_kept(store, caplog):
    PendingChangeFile(store.data_dir / FILE_NAME).save(
        [UnconfirmedChange("Channel", "0" * 16, {"wlan.channel": 3})]
    )
    changes = NetworkChanges(store, lambda: None, store.data_dir)
    with caplog.at_level(logging.WARNING):
        assert changes.reconcile() is True
        assert changes.reconcile() is True
    assert caplog.text.count("no privileged helper") == 1
    assert changes.pending() == {} and (store.data_dir / FILE_NAME).exists()
