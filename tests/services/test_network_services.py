"""The firewall rules and network settings services over the real configuration store and
the real safety-net bookkeeping, with a stand-in for the privileged helper: one change at a
time, a refused apply undone in the store, a change waiting for confirmation recorded with
the values to put back."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.describe import setting_docs
from otpbroker.services.firewall_rules import FirewallRules, PortRefused
from otpbroker.services.network_apply import Applied, ChangeWaiting, NotApplied, SafetyNet
from otpbroker.services.network_changes import NetworkChanges
from otpbroker.services.network_settings import NetworkSettings, new_addresses, targets_for
from otpbroker.services.settings import SettingsRefused, SettingsService

PORT = {"port": 8080, "protocol": "tcp", "interface": "", "comment": "", "active": True}


class FakeHelper:
    """The network control and the helper's pending change, as far as the services ask."""

    def __init__(self) -> None:
        self.available = True
        self.refuse_preview = ""
        self.refuse_apply = ""
        self.applied: list[tuple[list[dict[str, Any]], Any]] = []
        self.waiting: dict[str, Any] = {}

    def preview(self, settings: Mapping[str, Any], ports: Any) -> dict[str, str]:
        if self.refuse_preview:
            raise ValueError(self.refuse_preview)
        return {}

    def apply(self, settings: Mapping[str, Any], ports: Any, confirm: bool,
              targets: Any = None) -> dict[str, Any]:  # fmt: skip
        if self.refuse_apply:
            raise RuntimeError(self.refuse_apply)
        self.applied.append(([dict(p) for p in ports], targets))
        self.waiting = {"token": f"t{len(self.applied)}", "deadline": time.time() + 60}
        return dict(self.waiting)

    def pending(self) -> dict[str, Any]:
        return dict(self.waiting)

    def confirm(self, token: str) -> dict[str, Any]:
        if token != self.waiting.get("token"):
            raise RuntimeError("no such change")
        self.waiting = {}
        return {"confirmed": token}

    def always_open(self, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{"port": 22, "protocol": "tcp", "reason": "ssh"}]


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def helper() -> FakeHelper:
    return FakeHelper()


@pytest.fixture
def net(store, helper) -> SafetyNet:
    changes = NetworkChanges(store, lambda: helper, store.data_dir)
    return SafetyNet(SettingsService(store, setting_docs), store, lambda: helper, changes)


@pytest.fixture
def firewall(store, net) -> FirewallRules:
    return FirewallRules(store, net)


@pytest.fixture
def network(store, net) -> NetworkSettings:
    return NetworkSettings(SettingsService(store, setting_docs), net)


def test_an_added_port_is_applied_and_waits_for_confirmation(firewall, helper, store):
    outcome = firewall.add(PORT)
    assert outcome.applied is Applied.WAITING and outcome.summary == "port 8080/tcp added"
    assert helper.applied[0][1] == ["nftables"] and helper.applied[0][0][0]["port"] == 8080
    assert firewall.waiting()
    assert firewall.always_open() == [{"port": 22, "protocol": "tcp", "reason": "ssh"}]


def test_no_second_change_while_one_waits(firewall, network, helper, store):
    firewall.add(PORT)
    with pytest.raises(ChangeWaiting):
        firewall.add({**PORT, "port": 8081})
    with pytest.raises(ChangeWaiting):
        network.save({"wlan.channel": 11}, "Channel")
    assert [p["port"] for p in store.list("firewall_ports")] == [8080]
    network.confirm(helper.waiting["token"])
    assert not firewall.waiting()
    firewall.add({**PORT, "port": 8081})


def test_a_refused_apply_undoes_every_kind_of_port_change(firewall, helper, store):
    helper.available = False
    kept = firewall.add(PORT)
    assert kept.applied is Applied.NO_HELPER
    [record] = store.list("firewall_ports")
    helper.available, helper.refuse_apply = True, "nft: syntax error"
    with pytest.raises(NotApplied, match="Not applied, nothing was saved: nft: syntax error"):
        firewall.add({**PORT, "port": 9090})
    with pytest.raises(NotApplied):
        firewall.update(record["id"], {**PORT, "port": 9091})
    with pytest.raises(NotApplied):
        firewall.set_open(record["id"], False)
    assert store.list("firewall_ports") == [record]  # as it was after each refusal
    with pytest.raises(NotApplied):
        firewall.delete(record["id"])
    [back] = store.list("firewall_ports")  # added back (under a new id)
    assert {k: v for k, v in back.items() if k != "id"} == PORT


def test_a_port_the_store_refuses_names_its_field(firewall, store):
    with pytest.raises(PortRefused) as refused:
        firewall.add({**PORT, "protocol": "icmp"})
    assert list(refused.value.errors) == ["protocol"]
    assert store.list("firewall_ports") == []


def test_network_settings_are_applied_to_the_files_they_end_up_in(network, helper, store):
    outcome = network.save({"wlan.channel": 11}, "Channel")
    assert outcome.applied is Applied.WAITING
    assert helper.applied[0][1] == ["hostapd"]
    assert store.get("wlan.channel") == 11
    network.confirm(helper.waiting["token"])
    assert network.save({"network.confirm_seconds": 90}, "Confirm").applied is Applied.STORED


def test_a_refused_preview_puts_the_previous_settings_back(network, helper, store):
    before = store.settings()
    helper.refuse_preview = "the DHCP range is outside the access point's network"
    with pytest.raises(NotApplied, match="Nothing was saved: the DHCP range"):
        network.save({"wlan.channel": 11}, "Channel")
    assert store.settings() == before
    with pytest.raises(SettingsRefused) as refused:
        network.save({"wlan.channel": 99, "wlan.hidden": True}, "Channel")
    assert refused.value.key == "wlan.channel"
    assert store.settings() == before


def test_targets_and_new_addresses():
    assert targets_for(["wlan.interface", "ethernet.mode"]) == [
        "hostapd", "dnsmasq", "networkd-wlan", "networkd-eth", "nftables",
    ]  # fmt: skip
    assert targets_for(["network.confirm_seconds"]) == []
    settings = {"wlan.address": "10.3.0.1/24", "ethernet.mode": "static",
                "ethernet.address": "192.168.1.20/24"}  # fmt: skip
    assert new_addresses(settings, ["networkd-wlan", "networkd-eth"], "80") == [
        "http://10.3.0.1:80/network", "http://192.168.1.20:80/network",
    ]  # fmt: skip


def test_without_a_network_control_a_change_is_only_stored(store):
    settings = SettingsService(store, setting_docs)
    net = SafetyNet(settings, store, lambda: None, None)
    assert FirewallRules(store, net).add(PORT).applied is Applied.NOT_WIRED
    assert NetworkSettings(settings, net).save({"wlan.channel": 11}, "Channel").applied is (
        Applied.NOT_WIRED
    )
    with pytest.raises(NotApplied, match="Nothing to confirm"):
        net.confirm("t1")


def test_the_safety_net_state_shows_the_waiting_change_and_whether_it_applies(
    firewall, network, helper
):
    assert firewall.safety_net() == {"pending": {}, "notices": [], "applies": True, "wired": True}
    firewall.add(PORT)
    state = network.safety_net()
    assert state["pending"]["token"] == "t1" and 0 < state["pending"]["remaining"] <= 60
    helper.available = False
    assert network.safety_net()["applies"] is False


def test_without_a_network_control_the_safety_net_is_not_wired(store):
    net = SafetyNet(SettingsService(store, setting_docs), store, lambda: None, None)
    assert net.state() == {"pending": {}, "notices": [], "applies": False, "wired": False}
