"""HelperClient (staging, JSON results, precise errors) and NetworkControl's rendering."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from helper_root import HelperRoot

from otpbroker.config.schema import SETTINGS, default
from otpbroker.system.helper_client import HelperClient, HelperError
from otpbroker.system.helper_transports import ProgramTransport
from otpbroker.system.network_control import NetworkControl, always_open

FACTORY = ("OTP-Broker-AB12", "factory-pass-1")


def settings(**changes):
    values = {spec.key: default(spec.key) for spec in SETTINGS}
    values.update({key.replace("__", "."): value for key, value in changes.items()})
    return values


def control(tmp_path: Path, factory=FACTORY) -> NetworkControl:
    return NetworkControl(HelperClient(None, tmp_path / "stage"), lambda: factory)


def test_stage_writes_a_private_file_atomically(tmp_path):
    client = HelperClient(None, tmp_path / "stage")
    client.stage("ppp-peer:wwan-1", "noauth\n")
    staged = tmp_path / "stage" / "ppp-peer:wwan-1"
    assert staged.read_text() == "noauth\n"
    assert stat.S_IMODE(staged.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "stage").iterdir()] == ["ppp-peer:wwan-1"]
    with pytest.raises(HelperError, match=r"invalid target name '\.\./x'"):
        client.stage("../x", "")


def test_unavailable_helper_refuses_clearly(tmp_path):
    client = HelperClient(None, tmp_path)
    assert not client.available
    with pytest.raises(HelperError, match="not available here"):
        client.run("pending")
    assert control(tmp_path).pending() == {}


def test_run_returns_json_and_raises_the_helpers_message(tmp_path):
    root = HelperRoot(tmp_path / "root")
    client = HelperClient(root.transport(), root.stage)
    assert client.available and client.run("pending") == {}
    with pytest.raises(HelperError) as caught:
        client.run("apply", "resolv")
    assert str(caught.value).startswith("unknown target 'resolv'")


def test_run_reports_a_helper_that_answers_no_json(tmp_path):
    program = ProgramTransport([sys.executable, "-c", "print('oops'); raise SystemExit(3)"])
    with pytest.raises(HelperError, match=r"no JSON object: oops"):
        HelperClient(program, tmp_path).run()
    silent = ProgramTransport([sys.executable, "-c", "import sys; sys.exit('gone')"])
    with pytest.raises(HelperError, match=r"answered nothing \(exit 1\): gone"):
        HelperClient(silent, tmp_path).run()
    with pytest.raises(HelperError, match="cannot run the helper"):
        HelperClient(ProgramTransport(["/nonexistent/helper"]), tmp_path).run()


def test_preview_renders_every_target_with_the_factory_wifi(tmp_path):
    files = control(tmp_path).preview(settings(), [])
    assert list(files) == ["hostapd", "dnsmasq", "networkd-wlan", "networkd-eth", "nftables"]
    assert "ssid=OTP-Broker-AB12\n" in files["hostapd"]
    assert "wpa_passphrase=factory-pass-1\n" in files["hostapd"]
    assert "Address=192.168.0.11/24" in files["networkd-wlan"]
    assert "DHCP=yes" in files["networkd-eth"]
    assert 'tcp dport 8888 accept comment "API and admin listener"' in files["nftables"]


def test_own_wifi_values_win_over_the_factory_ones(tmp_path):
    files = control(tmp_path).preview(
        settings(wlan__ssid="Gudang", wlan__passphrase="own-pass-9"), []
    )
    assert "ssid=Gudang\n" in files["hostapd"] and "wpa_passphrase=own-pass-9\n" in files["hostapd"]


def test_missing_factory_password_is_a_precise_error(tmp_path):
    with pytest.raises(ValueError, match="factory password is not available"):
        control(tmp_path, factory=("OTP-Broker", "")).preview(settings(), [])


def test_firewall_opens_enabled_listeners_and_active_records_only(tmp_path):
    ports = [
        {"port": 1883, "protocol": "tcp", "interface": "eth0", "active": True},
        {"port": 5683, "protocol": "udp", "interface": "", "active": True},
        {"port": 2222, "protocol": "tcp", "interface": "", "active": False},
    ]
    text = control(tmp_path).preview(settings(api__https_enabled=True), ports)["nftables"]
    assert "tcp dport 8888 accept" in text and "tcp dport 8443 accept" in text
    assert 'iifname "eth0" tcp dport 1883 accept' in text and "udp dport 5683 accept" in text
    assert "2222" not in text
    text = control(tmp_path).preview(settings(api__http_enabled=False,
                                              api__https_enabled=True), [])["nftables"]  # fmt: skip
    assert "8888" not in text and "tcp dport 8443 accept" in text


def test_always_open_lists_the_listeners_dhcp_and_dns():
    rows = always_open(settings(api__https_enabled=True))
    assert [(r["port"], r["protocol"], r["interface"]) for r in rows] == [
        (8888, "tcp", ""), (8443, "tcp", ""), (67, "udp", "wlan0"), (53, "tcp+udp", "wlan0")
    ]  # fmt: skip


def test_render_errors_name_the_section(tmp_path):
    with pytest.raises(ValueError, match=r"^Ethernet: A static configuration needs an address"):
        control(tmp_path).preview(settings(ethernet__mode="static"), [])
    with pytest.raises(ValueError, match=r"^DHCP: Lease time"):
        control(tmp_path).preview(settings(dhcp__lease_time="1m"), [])


def test_apply_stages_only_the_chosen_targets_and_asks_for_confirmation(tmp_path):
    root = HelperRoot(tmp_path / "root")
    helper = HelperClient(root.transport(), root.stage)
    net = NetworkControl(helper, lambda: FACTORY)
    result = net.apply(settings(network__confirm_seconds=45), [], True, ["dnsmasq"])
    assert result["targets"] == ["dnsmasq"] and len(result["token"]) == 16
    assert sorted(p.name for p in root.stage.iterdir()) == ["dnsmasq"]
    assert net.pending()["token"] == result["token"]
    assert net.confirm(result["token"]) == {"confirmed": True}
    with pytest.raises(ValueError, match="unknown network target"):
        net.apply(settings(), [], False, ["resolv"])
