"""Network settings to system files and through the privileged helper, with the safety net.

:class:`NetworkControl` renders the access point (hostapd), its DHCP/DNS (dnsmasq), the
addresses of the Wi-Fi and wired interfaces (systemd-networkd) and the firewall (nftables)
from the settings and the ``firewall_ports`` records, then stages them and asks the helper
to apply them, with ``--confirm-within network.confirm_seconds`` when a confirmation is
wanted: the helper reverts by itself unless :meth:`NetworkControl.confirm` arrives in time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from otpbroker.system.helper_client import HelperClient
from otpbroker.system.render_dnsmasq import render_dnsmasq
from otpbroker.system.render_hostapd import render_hostapd
from otpbroker.system.render_networkd import render_networkd
from otpbroker.system.render_nftables import FirewallSettings, render_nftables

TARGETS = ("hostapd", "dnsmasq", "networkd-wlan", "networkd-eth", "nftables")
DHCP_PORT = 67
DNS_PORT = 53


def listener_ports(settings: Mapping[str, Any]) -> list[int]:
    """The enabled REST API ports (they serve the admin too): always open."""
    ports = []
    if settings["api.http_enabled"]:
        ports.append(int(settings["api.http_port"]))
    if settings["api.https_enabled"] and int(settings["api.https_port"]) not in ports:
        ports.append(int(settings["api.https_port"]))
    return ports


def always_open(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ports the firewall keeps open whatever the records say, with the reason."""
    ap = str(settings["wlan.interface"])
    rows = [
        {"port": port, "protocol": "tcp", "interface": "", "comment": "REST API and this admin"}
        for port in listener_ports(settings)
    ]
    rows.append({"port": DHCP_PORT, "protocol": "udp", "interface": ap,
                 "comment": "DHCP for access point clients"})  # fmt: skip
    rows.append({"port": DNS_PORT, "protocol": "tcp+udp", "interface": ap,
                 "comment": "DNS for access point clients"})  # fmt: skip
    return rows


class NetworkControl:
    """Renders and applies the network and firewall settings through the helper."""

    def __init__(self, helper: HelperClient, factory_wifi: Callable[[], tuple[str, str]]) -> None:
        self.helper = helper
        self.factory_wifi = factory_wifi

    @property
    def available(self) -> bool:
        """False off a device: settings can be saved but not applied."""
        return self.helper.available

    def _wifi(self, settings: Mapping[str, Any]) -> tuple[str, str]:
        ssid = str(settings["wlan.ssid"])
        passphrase = str(settings["wlan.passphrase"])
        if not ssid or not passphrase:
            factory_ssid, factory_passphrase = self.factory_wifi()
            ssid = ssid or factory_ssid
            passphrase = passphrase or factory_passphrase
        if not passphrase:
            raise ValueError(
                "Wi-Fi passphrase: none is set and the factory password is not available; "
                "enter a passphrase"
            )
        return ssid, passphrase

    def preview(
        self, settings: Mapping[str, Any], ports: Iterable[Mapping[str, Any]]
    ) -> dict[str, str]:
        """``{target: file text}`` for every network target; ValueError naming the problem."""
        ap = str(settings["wlan.interface"])
        ssid, passphrase = self._wifi(settings)
        out: dict[str, str] = {}
        try:
            out["hostapd"] = render_hostapd(ap, ssid, passphrase, int(settings["wlan.channel"]),
                                            str(settings["wlan.country"]),
                                            bool(settings["wlan.hidden"]))  # fmt: skip
        except ValueError as exc:
            raise ValueError(f"Wireless LAN: {exc}") from None
        try:
            out["dnsmasq"] = render_dnsmasq(
                ap, str(settings["wlan.address"]), str(settings["dhcp.range_start"]),
                str(settings["dhcp.range_end"]), str(settings["dhcp.lease_time"]),
                list(settings["dhcp.dns"]), str(settings["dhcp.gateway"]) or None,
                bool(settings["dhcp.enabled"]),
            )  # fmt: skip
        except ValueError as exc:
            raise ValueError(f"DHCP: {exc}") from None
        try:
            out["networkd-wlan"] = render_networkd(ap, False, str(settings["wlan.address"]))
        except ValueError as exc:
            raise ValueError(f"Wireless LAN: {exc}") from None
        out["networkd-eth"] = self._ethernet(settings)
        out["nftables"] = self._firewall(settings, ports)
        return out

    def _ethernet(self, settings: Mapping[str, Any]) -> str:
        name = str(settings["ethernet.interface"])
        try:
            if settings["ethernet.mode"] == "dhcp":
                return render_networkd(name, True)
            return render_networkd(name, False, str(settings["ethernet.address"]) or None,
                                   str(settings["ethernet.gateway"]) or None,
                                   list(settings["ethernet.dns"]))  # fmt: skip
        except ValueError as exc:
            raise ValueError(f"Ethernet: {exc}") from None

    def _firewall(self, settings: Mapping[str, Any], ports: Iterable[Mapping[str, Any]]) -> str:
        listeners = listener_ports(settings)
        if not listeners:
            raise ValueError(
                "Firewall: neither HTTP nor HTTPS is enabled; the admin would be shut out"
            )
        opened = [
            (
                int(record["port"]),
                str(record["protocol"]),
                str(record.get("interface") or "") or None,
            )
            for record in ports
            if record.get("active", True)
        ]
        try:
            return render_nftables(FirewallSettings(
                ap_interface=str(settings["wlan.interface"]), admin_port=listeners[0],
                open_ports=opened, listener_ports=listeners,
            ))  # fmt: skip
        except ValueError as exc:
            raise ValueError(f"Firewall: {exc}") from None

    def apply(
        self,
        settings: Mapping[str, Any],
        ports: Iterable[Mapping[str, Any]],
        confirm: bool,
        targets: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Stage and apply ``targets`` (default: all); with ``confirm`` the helper reverts
        unless :meth:`confirm` is called within ``network.confirm_seconds``."""
        files = self.preview(settings, list(ports))
        chosen = list(TARGETS if targets is None else targets)
        unknown = [target for target in chosen if target not in files]
        if unknown:
            raise ValueError(f"unknown network target(s): {', '.join(unknown)}")
        for target in chosen:
            self.helper.stage(target, files[target])
        args = ["apply"]
        if confirm:
            args += ["--confirm-within", str(int(settings["network.confirm_seconds"]))]
        return self.helper.run(*args, *chosen)

    def confirm(self, token: str) -> dict[str, Any]:
        """Keep the pending change ``token``."""
        return self.helper.run("confirm", token)

    def revert(self) -> dict[str, Any]:
        """Undo the pending change now."""
        return self.helper.run("revert")

    def always_open(self, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The ports that cannot be closed (see :func:`always_open`)."""
        return always_open(settings)

    def pending(self) -> dict[str, Any]:
        """The change waiting for confirmation (``{}`` when none, or off a device)."""
        if not self.available:
            return {}
        return self.helper.run("pending")
