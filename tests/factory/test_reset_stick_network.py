"""A reset re-applies the factory network through the real privileged helper (test root)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from fat_sticks import MtoolsMount, make_stick

from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.factory.reset_stick import OncePerBoot, ResetStick
from otpbroker.subcommands import apply_network
from otpbroker.subcommands.apply_network import network_applier
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.helper_transports import ProgramTransport
from otpbroker.system.network_control import NetworkControl

sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from helper_root import HelperRoot

SHOP_NETWORK = {
    "wlan.ssid": "Shop-AP",
    "wlan.passphrase": "shop-pass-1234",
    "wlan.address": "10.20.0.1/24",
    "dhcp.range_start": "10.20.0.50",
    "dhcp.range_end": "10.20.0.60",
}


def helper_client(root: HelperRoot) -> HelperClient:
    return HelperClient(root.transport(), root.stage)


def test_reset_applies_factory_network_and_drops_a_pending_change(tmp_path: Path) -> None:
    root = HelperRoot(tmp_path / "root")
    data = tmp_path / "data"
    secrets = FactorySecrets(data)
    secrets.ensure(with_tls=False)
    factory_ssid, factory_password = secrets.wifi()
    with ConfigStore(data) as store:
        store.update_settings(SHOP_NETWORK)
        store.add("admins", {"username": "owner"})
        shop = NetworkControl(helper_client(root), secrets.wifi)
        shop.apply(store.settings(), [], confirm=False)
        store.set("dhcp.lease_time", "2h")
        pending = shop.apply(store.settings(), [], confirm=True, targets=["dnsmasq"])
    hostapd = root.path("/etc/hostapd/hostapd.conf")
    assert "ssid=Shop-AP\n" in hostapd.read_text()
    assert pending["token"] and shop.pending()["token"] == pending["token"]

    apply = network_applier(str(data), helper_client(root))
    assert apply is not None
    stick = make_stick(
        tmp_path / "right.img", {"optb/reset.txt": secrets.printable().reset_code.encode()}
    )
    handler = ResetStick(data, apply_network=apply, mount=MtoolsMount(),
                         once=OncePerBoot(tmp_path / "run" / "done"))  # fmt: skip
    outcome = handler.handle(str(stick))

    assert outcome.reset, outcome
    assert shop.pending() == {}
    text = hostapd.read_text()
    assert f"ssid={factory_ssid}\n" in text and f"wpa_passphrase={factory_password}\n" in text
    dnsmasq = root.path("/etc/dnsmasq.d/otp-broker.conf").read_text()
    assert "dhcp-range=set:ap,192.168.0.100,192.168.0.200,255.255.255.0,12h" in dnsmasq
    assert (
        "Address=192.168.0.11/24"
        in root.path("/etc/systemd/network/10-otpb-wlan.network").read_text()
    )
    restarted = root.systemctl_calls()
    assert any("hostapd" in call for call in restarted[-6:]), restarted


def test_no_applier_off_a_device(tmp_path: Path) -> None:
    assert network_applier(str(tmp_path), HelperClient(None, tmp_path / "stage")) is None


def test_apply_network_command_installs_the_stored_settings(tmp_path, monkeypatch, capsys):
    root = HelperRoot(tmp_path / "root")
    data = tmp_path / "data"
    FactorySecrets(data).ensure(with_tls=False)
    for name, value in root.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(apply_network, "HELPER_STAGE_DIR", root.stage)
    monkeypatch.setattr(
        apply_network,
        "root_helper_transport",
        lambda: ProgramTransport([sys.executable, "-m", "otpbroker.privileged"]),
    )
    assert apply_network.run(argparse.Namespace(data_dir=str(data))) == 0
    assert capsys.readouterr().out == "network settings applied\n"
    ruleset = root.path("/etc/nftables.conf").read_text()
    assert "policy drop;" in ruleset and "tcp dport 8888 accept" in ruleset
    assert "ssid=OTP-Broker-" in root.path("/etc/hostapd/hostapd.conf").read_text()


def test_apply_network_command_off_a_device_says_so(tmp_path):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "otp-broker"), "--data-dir", str(tmp_path), "apply-network"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no privileged helper" in done.stderr and "not an OTP Broker device" in done.stderr
