"""Network settings (access point, its DHCP server, Ethernet): saved all or nothing, then the
system files they end up in are applied with the safety net. A change the helper refuses
puts the previous settings back; one nobody confirms is restored by ``NetworkChanges``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from otpbroker.services.network_apply import Applied, Outcome, SafetyNet
from otpbroker.services.settings import SettingsService

TARGETS_OF = {  # which system files a setting ends up in
    "wlan.interface": ("hostapd", "dnsmasq", "networkd-wlan", "nftables"),
    "wlan.address": ("dnsmasq", "networkd-wlan"),
    "dhcp": ("dnsmasq",),
    "wlan": ("hostapd",),
    "ethernet": ("networkd-eth",),
    "network": (),
}
ORDER = ("hostapd", "dnsmasq", "networkd-wlan", "networkd-eth", "nftables")


def targets_for(keys: list[str]) -> list[str]:
    """The system files to apply when ``keys`` changed, in a fixed order."""
    wanted: set[str] = set()
    for key in keys:
        wanted.update(TARGETS_OF.get(key) or TARGETS_OF.get(key.split(".", 1)[0], ()))
    return [target for target in ORDER if target in wanted]


def new_addresses(settings: Mapping[str, Any], targets: list[str], port: str) -> list[str]:
    """Where the admin will be reachable after the change (to confirm from there)."""
    urls = []
    if "networkd-wlan" in targets:
        ip = ipaddress.IPv4Interface(str(settings["wlan.address"])).ip
        urls.append(f"http://{ip}:{port}/network")
    static = settings["ethernet.mode"] == "static" and settings["ethernet.address"]
    if "networkd-eth" in targets and static:
        ip = ipaddress.IPv4Interface(str(settings["ethernet.address"])).ip
        urls.append(f"http://{ip}:{port}/network")
    return urls


class NetworkSettings:
    """Save network settings and apply them with the safety net."""

    def __init__(self, settings: SettingsService, net: SafetyNet) -> None:
        self._settings = settings
        self._net = net

    def waiting(self) -> bool:
        """True while a change waits for confirmation."""
        return self._net.waiting()

    def safety_net(self) -> dict[str, Any]:
        """The safety net's state for the page (see ``SafetyNet.state``)."""
        return self._net.state()

    def save(self, changes: Mapping[str, Any], summary: str) -> Outcome:
        """Store ``changes`` (SettingsRefused) and apply them (ChangeWaiting, NotApplied:
        nothing kept). ``summary`` names the change in the safety net's notices."""
        self._net.refuse_if_waiting()
        old = self._settings.values(changes)
        self._settings.save(changes)
        targets = targets_for(list(changes))
        if not targets:  # e.g. only the confirmation time: nothing to apply
            return Outcome(summary, Applied.STORED)
        applied = self._net.apply(summary, targets, lambda: self._settings.restore(old),
                                  settings=old)  # fmt: skip
        return Outcome(summary, applied)

    def confirm(self, token: str) -> None:
        """Keep the change waiting for confirmation (NotApplied with the reason)."""
        self._net.confirm(token)
