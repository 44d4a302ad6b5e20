"""Network and Firewall pages through the admin client, applied by the real privileged helper
(a subprocess) under a temporary root with a fake systemctl and the real dnsmasq/nft checks."""

from __future__ import annotations

import html
import os
import re
import sys
import time
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from helper_root import HelperRoot

from otpbroker.bootstrap import Machine
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.network_control import NetworkControl

WLAN_FILE = "/etc/systemd/network/10-otpb-wlan.network"
NFT_FILE = "/etc/nftables.conf"
FACTORY = ("OTP-Broker-T3ST", "factory-pass-1")


def network_control(root: HelperRoot | None) -> NetworkControl:
    if root is None:
        return NetworkControl(HelperClient(None, Path("/nonexistent")), lambda: FACTORY)
    helper = HelperClient(root.transport(), root.stage)
    return NetworkControl(helper, lambda: FACTORY)


@pytest.fixture
def root(tmp_path):
    return HelperRoot(tmp_path / "root")


@pytest.fixture
def control(root):
    """The network control the broker applies through (the real helper under ``root``)."""
    return network_control(root)


@pytest.fixture
def harness(tmp_path, control):
    harness = BrokerHarness(tmp_path / "data", Machine(network=control))
    harness.start()
    yield harness
    harness.stop()


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("nft -c needs root (CAP_NET_ADMIN)")


def text_of(body: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def network_form(admin: AdminClient, **changes: str) -> dict[str, str]:
    """Every field of the Network form as shown, with ``changes``."""
    _status, body, _ = admin.get("/network")
    form = {}
    for name, value in re.findall(
        r'<input id="f-[^"]+" name="([^"]+)" type="(?:text|number)" value="([^"]*)"', body
    ):
        form[name] = html.unescape(value)
    form.update(changes)
    return form


def test_page_shows_every_section_and_never_the_password(admin, harness):
    harness.broker.store.update_settings({"wlan.passphrase": "secret-wifi-1"})
    status, body, _ = admin.get("/network")
    assert status == 200
    for legend in ("Wireless LAN (access point)", "DHCP server", "Ethernet", "Safety net"):
        assert legend in body
    assert 'name="wlan.address"' in body and 'value="192.168.0.11/24"' in body
    assert "secret-wifi-1" not in body and "Leave blank to keep it" in body
    assert "Not on a device" not in body


def test_changing_the_ap_address_applies_and_confirm_keeps_it(admin, harness, root):
    status, body, headers = admin.post("/network", network_form(admin, **{
        "wlan.address": "192.168.0.12/24"}))  # fmt: skip
    assert status == 303, text_of(body)[:600]
    status, body, _ = admin.get("/network")
    page = text_of(body)
    assert "Applied: Access point address" in page
    assert "http://192.168.0.12:" in page and "Confirm the change" in page
    assert re.search(r'data-remaining="(8[0-9]|90)"', body)
    assert "Address=192.168.0.12/24" in root.path(WLAN_FILE).read_text()
    assert "restart systemd-networkd.service" in root.systemctl_calls()
    assert harness.broker.store.get("wlan.address") == "192.168.0.12/24"
    token = re.search(r'name="token" value="([0-9a-f]{16})"', body).group(1)
    status, _body, headers = admin.post("/network/confirm", {"token": token, "back": "/network"})
    assert status == 303 and headers["Location"].endswith("/network")
    _status, body, _ = admin.get("/network")
    assert "Confirmed: the new settings stay." in body
    assert "Confirm the change" not in body
    assert root.ok("pending") == {}
    assert harness.broker.store.get("wlan.address") == "192.168.0.12/24"


def test_a_change_reverted_by_the_helper_is_undone_in_the_settings(admin, harness, root):
    admin.post("/network", network_form(admin, **{"wlan.ssid": "Kantor Lt 2"}))
    assert "ssid=Kantor Lt 2" in root.path("/etc/hostapd/hostapd.conf").read_text()
    assert harness.broker.store.get("wlan.ssid") == "Kantor Lt 2"
    root.ok("revert")  # what the helper's timer does when nobody confirms
    _status, body, _ = admin.get("/network")
    page = text_of(body)
    assert "was not confirmed in time and was reverted" in page
    assert "Confirm the change" not in page
    assert 'value="Kantor Lt 2"' not in body  # the form shows the restored value
    assert harness.broker.store.get("wlan.ssid") == ""
    assert not root.path("/etc/hostapd/hostapd.conf").exists()


def test_an_unconfirmed_change_is_undone_with_nobody_looking(admin, harness, root, control):
    short_apply = control.apply  # the setting's minimum (30 s) would make this test slow
    control.apply = lambda settings, *rest: short_apply(
        {**settings, "network.confirm_seconds": 3}, *rest)  # fmt: skip
    admin.post("/network", network_form(admin, **{"wlan.ssid": "Kantor Lt 2"}))
    assert harness.broker.store.get("wlan.ssid") == "Kantor Lt 2"
    record = harness.data_dir / "network-pending.json"
    deadline = time.monotonic() + 30  # no page is loaded while waiting
    while record.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not record.exists()  # settled: restored, the record dropped
    assert harness.broker.store.get("wlan.ssid") == ""
    _status, body, _ = admin.get("/network")
    assert "was not confirmed in time and was reverted" in text_of(body)


def test_factory_wifi_is_used_when_ssid_and_password_are_empty(admin, root):
    admin.post("/network", network_form(admin, **{"wlan.channel": "11"}))
    conf = root.path("/etc/hostapd/hostapd.conf").read_text()
    assert "ssid=OTP-Broker-T3ST\n" in conf and "wpa_passphrase=factory-pass-1\n" in conf
    assert "channel=11\n" in conf


def test_field_errors_are_shown_next_to_the_field_and_nothing_is_saved(admin, harness, root):
    status, body, _ = admin.post("/network", network_form(admin, **{
        "wlan.channel": "14", "wlan.address": "192.168.0.12/24"}))  # fmt: skip
    assert status == 400
    assert re.search(r'id="e-wlan.channel">[^<]*13', body), text_of(body)[:800]
    assert harness.broker.store.get("wlan.address") == "192.168.0.11/24"
    assert root.systemctl_calls() == []


def test_cross_field_error_lands_on_its_field(admin, harness):
    status, body, _ = admin.post("/network", network_form(admin, **{
        "dhcp.range_start": "10.0.0.5"}))  # fmt: skip
    assert status == 400
    assert re.search(r'id="e-dhcp.range_start">[^<]*outside the access point subnet', body)
    assert harness.broker.store.get("dhcp.range_start") == "192.168.0.100"


def test_a_failing_service_restart_keeps_the_old_settings(admin, harness, root):
    root.fail_service("hostapd")
    status, body, _ = admin.post("/network", network_form(admin, **{"wlan.channel": "3"}))
    assert status == 400
    page = text_of(body)
    assert "Not applied, nothing was saved" in page and "restart of hostapd failed" in page
    assert harness.broker.store.get("wlan.channel") == 6
    assert not root.path("/etc/hostapd/hostapd.conf").exists()


def test_second_change_waits_for_the_first(admin, harness):
    admin.post("/network", network_form(admin, **{"wlan.channel": "3"}))
    status, body, _ = admin.post("/network", network_form(admin, **{"wlan.channel": "4"}))
    assert status == 400 and "waiting for confirmation" in text_of(body)
    assert harness.broker.store.get("wlan.channel") == 3


def test_confirm_needs_the_csrf_token(admin):
    admin.post("/network", network_form(admin, **{"wlan.channel": "3"}))
    status, _body, _ = admin.post("/network/confirm", {"token": "x"}, csrf=False)
    assert status == 403


def test_wrong_token_is_not_confirmed(admin):
    admin.post("/network", network_form(admin, **{"wlan.channel": "3"}))
    admin.post("/network/confirm", {"token": "0" * 16, "back": "/network"})
    _status, body, _ = admin.get("/network")
    assert "Not confirmed: wrong confirmation token" in text_of(body)
    assert "Confirm the change" in body


# ---------------------------------------------------------------- firewall


def firewall_token(admin: AdminClient) -> str:
    _status, body, _ = admin.get("/firewall")
    return re.search(r'name="token" value="([0-9a-f]{16})"', body).group(1)


def test_firewall_lists_the_ports_that_cannot_be_closed(admin, harness):
    status, body, _ = admin.get("/firewall")
    assert status == 200
    fixed = text_of(body.split('class="stack fixed-ports"')[1].split("</table>")[0])
    port = harness.broker.store.get("api.http_port")
    assert f"{port} tcp all REST API and this admin" in fixed
    assert "67 udp wlan0 DHCP" in fixed and "53 tcp+udp wlan0 DNS" in fixed
    assert fixed.count("cannot be closed") == 3


def test_opening_closing_and_deleting_a_port_go_through_nft(admin, harness, root):
    needs_root()
    status, body, _ = admin.post("/firewall", {"port": "1883", "protocol": "tcp",
                                              "interface": "eth0", "comment": "MQTT",
                                              "active": "true"})  # fmt: skip
    assert status == 303, text_of(body)[:600]
    assert 'iifname "eth0" tcp dport 1883 accept' in root.path(NFT_FILE).read_text()
    assert root.systemctl_calls()[-1] == "reload nftables.service"
    admin.post("/network/confirm", {"token": firewall_token(admin), "back": "/firewall"})
    record = harness.broker.store.list("firewall_ports")[0]
    status, _body, _ = admin.post(f"/firewall/{record['id']}/close")
    assert status == 303
    assert "dport 1883" not in root.path(NFT_FILE).read_text()
    assert harness.broker.store.list("firewall_ports")[0]["active"] is False
    admin.post("/network/confirm", {"token": firewall_token(admin), "back": "/firewall"})
    admin.post(f"/firewall/{record['id']}/delete")
    assert harness.broker.store.list("firewall_ports") == []
    root.ok("revert")  # not confirmed: the helper reverts, the safety net restores the record
    admin.get("/firewall")
    restored = harness.broker.store.list("firewall_ports")
    assert [(r["port"], r["interface"], r["active"]) for r in restored] == [(1883, "eth0", False)]


def test_firewall_bad_port_is_refused_next_to_its_field(admin, harness, root):
    status, body, _ = admin.post("/firewall", {"port": "99999", "protocol": "tcp"})
    assert status == 400 and re.search(r'id="e-port">[^<]*65535', body), text_of(body)[:500]
    assert harness.broker.store.list("firewall_ports") == []
    status, body, _ = admin.post("/firewall", {"port": "22", "protocol": "tcp",
                                              "interface": "eth0; drop"})  # fmt: skip
    assert status == 400 and 'id="e-interface"' in body
    assert root.systemctl_calls() == []


def test_firewall_edit_form_and_save(admin, harness, root):
    needs_root()
    record = harness.broker.store.add("firewall_ports", {"port": 8080, "protocol": "tcp"})
    status, body, _ = admin.get(f"/firewall/{record['id']}/edit")
    assert status == 200 and 'value="8080"' in body
    status, body, _ = admin.post(f"/firewall/{record['id']}", {"port": "8081", "protocol": "udp",
                                                                "active": "true"})  # fmt: skip
    assert status == 303, text_of(body)[:500]
    assert "udp dport 8081 accept" in root.path(NFT_FILE).read_text()


# ---------------------------------------------------------------- off a device


@pytest.fixture
def offline(tmp_path):
    harness = BrokerHarness(tmp_path / "offline", Machine(network=network_control(None)))
    harness.start()
    yield harness
    harness.stop()


def test_off_a_device_settings_are_saved_but_not_applied(offline):
    admin = AdminClient(offline.base)
    admin.setup(offline.broker.setup_code.read())
    status, body, _ = admin.post("/network", network_form(admin, **{
        "wlan.address": "192.168.5.1/24", "dhcp.range_start": "192.168.5.100",
        "dhcp.range_end": "192.168.5.200"}))  # fmt: skip
    assert status == 303, text_of(body)[:600]
    _status, body, _ = admin.get("/network")
    page = text_of(body)
    assert "Not applied: this machine has no privileged helper" in page
    assert "Not on a device" in page
    assert offline.broker.store.get("wlan.address") == "192.168.5.1/24"
    status, _body, _ = admin.post("/firewall", {"port": "1883", "protocol": "tcp",
                                              "active": "true"})  # fmt: skip
    assert status == 303
    _status, body, _ = admin.get("/firewall")
    assert "the firewall only changes on a device" in text_of(body)
