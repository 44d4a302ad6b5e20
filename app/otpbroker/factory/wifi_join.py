"""The text of a "join this Wi-Fi" QR code (the format phones' cameras understand)."""

from __future__ import annotations

SPECIAL = '\\;,:"'


def escape(value: str) -> str:
    """Backslash before each of ``\\ ; , : "``."""
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in value)


def wifi_qr_text(ssid: str, password: str, *, hidden: bool = False) -> str:
    """``WIFI:T:WPA;S:<ssid>;P:<password>;;`` (plus ``H:true;`` for a hidden network)."""
    text = f"WIFI:T:WPA;S:{escape(ssid)};P:{escape(password)};"
    if hidden:
        text += "H:true;"
    return text + ";"
