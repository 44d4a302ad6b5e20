"""Validators for every value that may reach a generated system configuration file.

Each function returns the normalised value or raises :class:`ValueError` with a precise
message. Config renderers only ever interpolate values that passed one of these, so no
newline, comment marker or extra directive can be smuggled into a config file.
"""

from __future__ import annotations

import ipaddress
import re

_INTERFACE_RE = re.compile(r"[A-Za-z0-9_.-]{1,15}")
_LEASE_RE = re.compile(r"([1-9][0-9]{0,5})([smhdw]?)")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, got {type(value).__name__}")
    return value


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {type(value).__name__}")
    return value


def ssid(text: str) -> str:
    """Return a Wi-Fi SSID: 1-32 bytes of UTF-8 with no control characters.

    '#' is refused too: hostapd and other line-based formats would treat it as a comment.
    """
    text = _require_str(text, "SSID")
    if not text:
        raise ValueError("SSID must not be empty")
    size = len(text.encode("utf-8"))
    if size > 32:
        raise ValueError(f"SSID is {size} bytes in UTF-8; at most 32 are allowed")
    for ch in text:
        if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029\ufeff":
            raise ValueError(f"SSID contains control character U+{ord(ch):04X}")
    if "#" in text:
        raise ValueError("SSID must not contain '#'")
    if text != text.strip():
        raise ValueError("SSID must not start or end with whitespace")
    return text


def wpa_passphrase(text: str) -> str:
    """Return a WPA2 passphrase: 8-63 printable ASCII characters (space to '~'), no '#'."""
    text = _require_str(text, "WPA passphrase")
    if not 8 <= len(text) <= 63:
        raise ValueError(f"WPA passphrase has {len(text)} characters; 8 to 63 are required")
    for ch in text:
        if not " " <= ch <= "~":
            raise ValueError(
                f"WPA passphrase contains U+{ord(ch):04X}; only printable ASCII is allowed"
            )
    if "#" in text:
        raise ValueError("WPA passphrase must not contain '#'")
    if text != text.strip():
        raise ValueError("WPA passphrase must not start or end with a space")
    return text


def channel(n: int) -> int:
    """Return a 2.4 GHz Wi-Fi channel number, 1 to 13."""
    n = _require_int(n, "Channel")
    if not 1 <= n <= 13:
        raise ValueError(f"Channel {n} is out of range; 1 to 13 are allowed")
    return n


def country(code: str) -> str:
    """Return an ISO 3166-1 alpha-2 country code: exactly two upper-case letters."""
    code = _require_str(code, "Country code")
    if not _COUNTRY_RE.fullmatch(code):
        raise ValueError(f"Country code {code!r} must be exactly two upper-case letters A-Z")
    return code


def ipv4_interface(text: str) -> ipaddress.IPv4Interface:
    """Return an IPv4 address with prefix length, such as ``192.168.0.11/24``.

    The address must be a usable host address (not the network or broadcast address).
    """
    text = _require_str(text, "Interface address")
    if "/" not in text:
        raise ValueError(f"Interface address {text!r} needs a prefix length, e.g. /24")
    try:
        iface = ipaddress.IPv4Interface(text)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError) as exc:
        raise ValueError(f"Interface address {text!r} is not valid IPv4/prefix: {exc}") from None
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        raise ValueError(f"Interface address {text!r} is the network or broadcast address")
    return iface


def ipv4(text: str) -> ipaddress.IPv4Address:
    """Return a dotted-quad IPv4 address."""
    text = _require_str(text, "IPv4 address")
    try:
        return ipaddress.IPv4Address(text)
    except ipaddress.AddressValueError as exc:
        raise ValueError(f"IPv4 address {text!r} is not valid: {exc}") from None


def port(n: int) -> int:
    """Return a TCP/UDP port number, 1 to 65535."""
    n = _require_int(n, "Port")
    if not 1 <= n <= 65535:
        raise ValueError(f"Port {n} is out of range; 1 to 65535 are allowed")
    return n


def interface_name(text: str) -> str:
    """Return a Linux network interface name: 1-15 of ``A-Z a-z 0-9 _ . -``."""
    text = _require_str(text, "Interface name")
    if not _INTERFACE_RE.fullmatch(text):
        raise ValueError(
            f"Interface name {text!r} must be 1-15 characters of letters, digits, '_', '.', '-'"
        )
    if text in (".", ".."):
        raise ValueError(f"Interface name {text!r} is not allowed")
    return text


def lease_time(text: str) -> str:
    """Return a DHCP lease time: ``infinite`` or a number with optional s/m/h/d/w unit.

    A bare number counts seconds; dnsmasq requires at least two minutes.
    """
    text = _require_str(text, "Lease time")
    if text == "infinite":
        return text
    match = _LEASE_RE.fullmatch(text)
    if not match:
        raise ValueError(
            f"Lease time {text!r} must be 'infinite' or a number with unit s, m, h, d or w"
        )
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    if int(match.group(1)) * factor < 120:
        raise ValueError(f"Lease time {text!r} is shorter than the 2 minute minimum")
    return text
