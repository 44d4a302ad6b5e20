"""What the brochure prints, from the factory secrets and the current settings."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from otpbroker.factory.device_secrets import Printable
from otpbroker.factory.wifi_join import wifi_qr_text

RESET_PATH = "/optb/reset.txt"


@dataclass(frozen=True)
class BrochureCard:
    """Every value of the printed card (clear secrets: handle with care)."""

    ssid: str
    wifi_password: str
    hidden: bool
    admin_url: str
    setup_code: str
    reset_code: str
    reset_path: str = RESET_PATH
    factory_ssid: str = ""  # set only when the current network differs from the factory one
    factory_password: str = ""

    @property
    def wifi_qr(self) -> str:
        """The text of the "join this Wi-Fi" QR code."""
        return wifi_qr_text(self.ssid, self.wifi_password, hidden=self.hidden)

    def as_dict(self) -> dict[str, Any]:
        """The card as plain values, including the QR texts."""
        return {**asdict(self), "wifi_qr": self.wifi_qr}


def admin_url(settings: Mapping[str, Any]) -> str:
    """The admin's address on the access point (plain HTTP unless only HTTPS is on)."""
    address = ipaddress.IPv4Interface(str(settings["wlan.address"])).ip
    if not settings["api.http_enabled"] and settings["api.https_enabled"]:
        return f"https://{address}:{settings['api.https_port']}/"
    return f"http://{address}:{settings['api.http_port']}/"


def build_card(printable: Printable, settings: Mapping[str, Any]) -> BrochureCard:
    """The card for the network as configured now (factory name and password when unset)."""
    ssid = str(settings.get("wlan.ssid") or "") or printable.ssid
    password = str(settings.get("wlan.passphrase") or "") or printable.wifi_password
    custom = (ssid, password) != (printable.ssid, printable.wifi_password)
    return BrochureCard(
        ssid=ssid,
        wifi_password=password,
        hidden=bool(settings.get("wlan.hidden")),
        admin_url=admin_url(settings),
        setup_code=printable.setup_code,
        reset_code=printable.reset_code,
        factory_ssid=printable.ssid if custom else "",
        factory_password=printable.wifi_password if custom else "",
    )
