"""Network settings: each value and the rules across them are checked before they are stored."""

from __future__ import annotations

from typing import Any

import pytest

from otpbroker.config.errors import ConfigError
from otpbroker.config.schema import SETTINGS, check_consistency, validate

DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("wlan.ssid", "x" * 33, "at most 32 bytes"),
        ("wlan.ssid", "é" * 17, "at most 32 bytes"),
        ("wlan.ssid", "net\nwpa=0", "control or line-break"),
        ("wlan.ssid", "home#1", "no '#'"),
        ("wlan.ssid", " lead", "start or end with a space"),
        ("wlan.passphrase", "short", "8-63 printable"),
        ("wlan.passphrase", "has#hash-in-it", "8-63 printable"),
        ("wlan.channel", 14, "between 1 and 13"),
        ("wlan.country", "id", "two capital letters"),
        ("wlan.address", "192.168.0.11", "prefix length"),
        ("wlan.address", "192.168.0.0/24", "network or broadcast"),
        ("wlan.address", "192.168.0.11/31", "between /8 and /30"),
        ("dhcp.range_start", "192.168.0.300", "IPv4 address"),
        ("dhcp.range_start", "0.0.0.0", "usable host"),
        ("dhcp.lease_time", "12 hours", "a number"),
        ("dhcp.dns", ["8.8.8.8", "1.1.1"], "item 1"),
        ("ethernet.mode", "auto", "one of"),
        ("ethernet.address", "10.0.0.5", "prefix length"),
        ("wlan.interface", "wlan0; reboot", "interface name"),
    ],
)
def test_bad_network_values_are_refused_with_the_rule(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate(key, value)
    assert caught.value.key == key
    assert message in str(caught.value)


def test_good_network_values_pass() -> None:
    assert validate("wlan.ssid", "Kantor Lt. 2 ✓") == "Kantor Lt. 2 ✓"
    assert validate("wlan.passphrase", "correct horse battery") == "correct horse battery"
    assert validate("dhcp.dns", ["8.8.8.8", "1.1.1.1"]) == ["8.8.8.8", "1.1.1.1"]
    assert validate("ethernet.address", "10.1.2.3/16") == "10.1.2.3/16"


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"dhcp.range_start": "192.168.1.10"}, "dhcp.range_start", "outside the access point"),
        ({"dhcp.range_end": "192.168.0.50"}, "dhcp.range_end", "comes before"),
        ({"dhcp.range_start": "192.168.0.2"}, "dhcp.range_start", "own address"),
        ({"dhcp.gateway": "10.0.0.1"}, "dhcp.gateway", "outside"),
        ({"ethernet.mode": "static"}, "ethernet.address", "needs an address"),
        (
            {"ethernet.mode": "static", "ethernet.address": "192.168.0.50/24"},
            "ethernet.address",
            "overlaps",
        ),
        (
            {
                "ethernet.mode": "static",
                "ethernet.address": "10.0.0.5/24",
                "ethernet.gateway": "10.0.1.1",
            },
            "ethernet.gateway",
            "outside the subnet",
        ),
        ({"api.http_enabled": False}, "api.http_enabled", "both be off"),
    ],
)
def test_inconsistent_network_settings_are_refused(
    changes: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        check_consistency({**DEFAULTS, **changes})
    assert caught.value.key == key
    assert message in str(caught.value)


def test_defaults_are_consistent_and_static_ethernet_passes() -> None:
    check_consistency(DEFAULTS)
    check_consistency(
        {
            **DEFAULTS,
            "ethernet.mode": "static",
            "ethernet.address": "10.0.0.5/24",
            "ethernet.gateway": "10.0.0.1",
            "api.https_enabled": True,
            "api.http_enabled": False,
        }
    )
