"""Tests for the pure system config renderers, checked with the real dnsmasq and nft."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpbroker.system import netvalues
from otpbroker.system.render_dnsmasq import render_dnsmasq
from otpbroker.system.render_hostapd import render_hostapd
from otpbroker.system.render_networkd import render_networkd
from otpbroker.system.render_nftables import FirewallSettings, render_nftables

DNSMASQ = shutil.which("dnsmasq") or (
    "/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None
)
NFT = shutil.which("nft") or ("/usr/sbin/nft" if os.path.exists("/usr/sbin/nft") else None)

DEFAULTS = {
    "interface": "wlan0",
    "address_cidr": "192.168.0.11/24",
    "range_start": "192.168.0.100",
    "range_end": "192.168.0.200",
    "lease_time": "12h",
    "dns_servers": [],
    "gateway": None,
    "enabled": True,
}
AP = {
    "interface": "wlan0",
    "ssid": "OTP Broker",
    "passphrase": "s3cret-pass",
    "channel": 6,
    "country": "ID",
    "hidden": False,
}

BAD_TEXT = ["a\nb", "a\rb", "a#b", "a\x00b"]


def dnsmasq_check(tmp_path, text):
    if DNSMASQ is None:
        pytest.fail("dnsmasq is not installed (apt-get install dnsmasq-base)")
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(text)
    proc = subprocess.run(
        [DNSMASQ, "--test", f"--conf-file={conf}"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "syntax check OK" in proc.stdout + proc.stderr


def nft_check(tmp_path, text):
    if NFT is None:
        pytest.skip("nft is not installed (apt-get install nftables); cannot check ruleset")
    if os.geteuid() != 0:
        pytest.skip("nft -c needs root (CAP_NET_ADMIN) to check a ruleset")
    script = tmp_path / "otpbroker.nft"
    script.write_text(text)
    proc = subprocess.run(
        [NFT, "-c", "-f", str(script)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- dnsmasq


def test_dnsmasq_defaults_pass_real_syntax_check(tmp_path):
    text = render_dnsmasq(**DEFAULTS)
    assert "interface=wlan0\n" in text
    assert "bind-interfaces\n" in text
    assert "dhcp-range=set:ap,192.168.0.100,192.168.0.200,255.255.255.0,12h\n" in text
    assert "dhcp-option=tag:ap,option:router,192.168.0.11\n" in text
    assert "dhcp-option=tag:ap,option:dns-server,192.168.0.11\n" in text
    dnsmasq_check(tmp_path, text)


def test_dnsmasq_custom_values_and_disabled(tmp_path):
    text = render_dnsmasq(
        **{
            **DEFAULTS,
            "address_cidr": "10.20.0.1/16",
            "range_start": "10.20.1.0",
            "range_end": "10.20.2.255",
            "lease_time": "infinite",
            "dns_servers": ["1.1.1.1", "9.9.9.9"],
            "gateway": "10.20.0.254",
        }
    )
    assert "255.255.0.0,infinite" in text
    assert "option:dns-server,1.1.1.1,9.9.9.9" in text
    assert "option:router,10.20.0.254" in text
    dnsmasq_check(tmp_path, text)
    off = render_dnsmasq(**{**DEFAULTS, "enabled": False})
    assert "dhcp-range" not in off
    assert "no-dhcp-interface=wlan0" in off
    dnsmasq_check(tmp_path, off)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"range_start": "192.168.1.100"}, "DHCP range start 192.168.1.100 is outside"),
        (
            {"range_end": "192.168.0.255"},
            "DHCP range end 192.168.0.255 is the network or broadcast",
        ),
        ({"range_start": "192.168.0.201"}, "start 192.168.0.201 is after its end 192.168.0.200"),
        ({"range_start": "192.168.0.5"}, "Access point address 192.168.0.11 lies inside"),
        ({"gateway": "10.0.0.1"}, "Gateway 10.0.0.1 is outside"),
        ({"lease_time": "1m"}, "shorter than the 2 minute minimum"),
        ({"lease_time": "12h\ndhcp-script=/tmp/x"}, "Lease time"),
        ({"interface": "wlan0\nport=0"}, "Interface name"),
        ({"address_cidr": "192.168.0.11"}, "needs a prefix length"),
        ({"dns_servers": ["8.8.8.8\nserver=1.2.3.4"]}, "IPv4 address"),
        ({"dns_servers": "8.8.8.8"}, "not one string"),
    ],
)
def test_dnsmasq_rejects_bad_values(change, message):
    with pytest.raises(ValueError, match=message):
        render_dnsmasq(**{**DEFAULTS, **change})


# ---------------------------------------------------------------- nftables


def test_nftables_defaults_admin_port_always_open(tmp_path):
    text = render_nftables(FirewallSettings("wlan0", 80, ()))
    assert "table inet otpbroker {" in text
    assert "type filter hook input priority filter; policy drop;" in text
    assert "type filter hook forward priority filter; policy drop;" in text
    assert "type filter hook output priority filter; policy accept;" in text
    assert 'iifname "wlan0" tcp dport 80 accept' in text
    assert 'iifname "wlan0" udp dport 67 accept' in text
    assert 'iifname "wlan0" meta l4proto { tcp, udp } th dport 53 accept' in text
    assert "ct state established,related accept" in text
    assert 'iifname "lo" accept' in text
    nft_check(tmp_path, text)


def test_nftables_custom_ports_udp_and_per_interface(tmp_path):
    rules = FirewallSettings(
        "wlan0",
        8080,
        [(443, "tcp", None), (1883, "tcp", "eth0"), (5683, "udp", None), (161, "udp", "eth0")],
    )
    text = render_nftables(rules)
    assert "\t\ttcp dport 443 accept\n" in text
    assert '\t\tiifname "eth0" tcp dport 1883 accept\n' in text
    assert "\t\tudp dport 5683 accept\n" in text
    assert '\t\tiifname "eth0" udp dport 161 accept\n' in text
    assert 'iifname "wlan0" tcp dport 8080 accept' in text
    nft_check(tmp_path, text)


def test_nftables_admin_port_cannot_be_closed_and_duplicates_collapse(tmp_path):
    text = render_nftables(
        FirewallSettings(
            "wlan0", 8080, [(8080, "tcp", "wlan0"), (22, "tcp", None), (22, "tcp", None)]
        )
    )
    assert text.count("dport 8080") == 1
    assert text.count("tcp dport 22 accept") == 1
    nft_check(tmp_path, text)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (FirewallSettings("wlan0", 0, ()), "Port 0 is out of range"),
        (FirewallSettings("wlan0", 80, [(70000, "tcp", None)]), "Port 70000 is out of range"),
        (FirewallSettings("wlan0", 80, [(22, "sctp", None)]), "must be 'tcp' or 'udp'"),
        (FirewallSettings("wlan0", 80, [(22, "tcp", 'eth0" accept\n')]), "Interface name"),
        (FirewallSettings('wlan0"; flush ruleset', 80, ()), "Interface name"),
        (FirewallSettings("wlan0", 80, [(22, "tcp")]), "must be \\(port, protocol, interface\\)"),
        (FirewallSettings("wlan0", True, ()), "Port must be an integer"),
    ],
)
def test_nftables_rejects_bad_settings(rules, message):
    with pytest.raises(ValueError, match=message):
        render_nftables(rules)


# ---------------------------------------------------------------- hostapd (golden)

HOSTAPD_GOLDEN = """\
# Generated by OTP Broker; do not edit by hand.
interface=wlan0
driver=nl80211
ssid=OTP Broker
utf8_ssid=1
country_code=ID
ieee80211d=1
hw_mode=g
channel=6
wmm_enabled=1
auth_algs=1
ignore_broadcast_ssid=0
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=s3cret-pass
"""


def test_hostapd_golden():
    assert render_hostapd(**AP) == HOSTAPD_GOLDEN


def test_hostapd_hidden_and_utf8():
    text = render_hostapd(**{**AP, "hidden": True, "ssid": "Kantor Ü"})
    assert "ignore_broadcast_ssid=1\n" in text
    assert "ssid=Kantor Ü\n" in text


# ---------------------------------------------------------------- networkd (golden)

NETWORKD_DHCP = """\
# Generated by OTP Broker; do not edit by hand.
[Match]
Name=eth0

[Network]
DHCP=yes
"""

NETWORKD_STATIC = """\
# Generated by OTP Broker; do not edit by hand.
[Match]
Name=eth0

[Network]
Address=192.168.1.20/24
Gateway=192.168.1.1
DNS=1.1.1.1
DNS=8.8.8.8
"""


def test_networkd_golden_dhcp():
    assert render_networkd("eth0", dhcp=True) == NETWORKD_DHCP


def test_networkd_golden_static():
    text = render_networkd(
        "eth0",
        dhcp=False,
        address_cidr="192.168.1.20/24",
        gateway="192.168.1.1",
        dns=["1.1.1.1", "8.8.8.8"],
    )
    assert text == NETWORKD_STATIC


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dhcp": False}, "needs an address"),
        ({"dhcp": True, "address_cidr": "10.0.0.2/24"}, "cannot be combined with DHCP"),
        (
            {"dhcp": False, "address_cidr": "10.0.0.2/24", "gateway": "10.0.1.1"},
            "outside the subnet",
        ),
        ({"dhcp": False, "address_cidr": "10.0.0.0/24"}, "network or broadcast"),
        ({"dhcp": True, "dns": ["1.1.1.1\nDNS=6.6.6.6"]}, "IPv4 address"),
    ],
)
def test_networkd_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        render_networkd("eth0", **kwargs)


# ---------------------------------------------------------------- injection


@pytest.mark.parametrize("bad", [*BAD_TEXT, "x" * 33, "é" * 17, ""])
def test_ssid_injection_rejected_before_rendering(bad):
    with pytest.raises(ValueError, match="SSID"):
        render_hostapd(**{**AP, "ssid": bad})


@pytest.mark.parametrize(
    "bad",
    [t + "12345678" for t in BAD_TEXT] + ["x" * 64, "short", "pässword1"],
)
def test_passphrase_injection_rejected_before_rendering(bad):
    with pytest.raises(ValueError, match="WPA passphrase"):
        render_hostapd(**{**AP, "passphrase": bad})


@pytest.mark.parametrize("bad", [*BAD_TEXT, "x" * 16, "", "wlan 0"])
def test_interface_injection_rejected_everywhere(bad):
    for call in (
        lambda: render_hostapd(**{**AP, "interface": bad}),
        lambda: render_dnsmasq(**{**DEFAULTS, "interface": bad}),
        lambda: render_networkd(bad, dhcp=True),
        lambda: render_nftables(FirewallSettings(bad, 80, ())),
    ):
        with pytest.raises(ValueError, match="Interface name"):
            call()


@pytest.mark.parametrize("bad", [*BAD_TEXT, "12", "12x", "9" * 10, "0h", " 12h", "12h "])
def test_lease_time_injection_rejected(bad):
    with pytest.raises(ValueError, match="Lease time"):
        render_dnsmasq(**{**DEFAULTS, "lease_time": bad})


def test_validators_messages_are_precise():
    with pytest.raises(ValueError, match=r"SSID is 33 bytes in UTF-8; at most 32"):
        netvalues.ssid("a" * 33)
    with pytest.raises(ValueError, match=r"control character U\+000A"):
        netvalues.ssid("a\nb")
    with pytest.raises(ValueError, match=r"Channel 14 is out of range"):
        netvalues.channel(14)
    with pytest.raises(ValueError, match=r"exactly two upper-case letters"):
        netvalues.country("id")
    assert netvalues.lease_time("30m") == "30m"
    assert str(netvalues.ipv4_interface("192.168.0.11/24").network) == "192.168.0.0/24"


HOSTAPD_LINES = HOSTAPD_GOLDEN.count("\n")


@settings(max_examples=300, deadline=None)
@given(ssid=st.text(max_size=40), passphrase=st.text(max_size=70))
def test_hostapd_random_text_never_adds_lines(ssid, passphrase):
    try:
        text = render_hostapd(**{**AP, "ssid": ssid, "passphrase": passphrase})
    except ValueError:
        return
    assert len(text.splitlines()) == HOSTAPD_LINES
    assert text.count("\n") == HOSTAPD_LINES
    assert "\x00" not in text


DNSMASQ_LINES = render_dnsmasq(**DEFAULTS).count("\n")


@settings(max_examples=300, deadline=None)
@given(interface=st.text(max_size=20), lease=st.text(max_size=12))
def test_dnsmasq_random_text_never_adds_lines(interface, lease):
    try:
        text = render_dnsmasq(**{**DEFAULTS, "interface": interface, "lease_time": lease})
    except ValueError:
        return
    assert len(text.splitlines()) == DNSMASQ_LINES
    assert text.count("\n") == DNSMASQ_LINES


@settings(max_examples=200, deadline=None)
@given(interface=st.text(max_size=20))
def test_nftables_random_interface_never_adds_lines(interface):
    base = render_nftables(FirewallSettings("wlan0", 80, [(22, "tcp", "eth0")])).count("\n")
    try:
        text = render_nftables(FirewallSettings(interface, 80, [(22, "tcp", interface)]))
    except ValueError:
        return
    assert text.count("\n") == base
    assert len(text.splitlines()) == base
