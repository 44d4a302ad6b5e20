"""The names a self-signed certificate of this device carries: its host names and addresses.

``device_names(hostname, settings)`` gives the host name, ``<short name>.local`` (what mDNS
clients type) and, from the settings, the access point address (``wlan.address``) and the
static Ethernet address (``ethernet.address`` when ``ethernet.mode`` is ``static``). A host
name that is not a valid DNS name (or is ``localhost``) is left out rather than put into a
certificate.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MAX_NAME = 253


@dataclass(frozen=True)
class DeviceNames:
    """Host names (DNS) and IP addresses, in the order the certificate lists them."""

    hostnames: tuple[str, ...]
    addresses: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        """Every name, host names first."""
        return self.hostnames + self.addresses


def valid_hostname(name: str) -> bool:
    """True for a DNS name of letters, digits and inner hyphens (labels of 1-63)."""
    labels = name.split(".")
    return 0 < len(name) <= _MAX_NAME and all(_LABEL.fullmatch(label) for label in labels)


def _hostnames(hostname: str) -> tuple[str, ...]:
    full = hostname.strip().rstrip(".").lower()
    if not valid_hostname(full):
        return ()
    short = full.split(".", 1)[0]
    if short == "localhost":
        return ()
    names = [f"{short}.local", full, short]
    return tuple(dict.fromkeys(names))  # in order, without repeats


def _address(value: Any) -> str | None:
    """The address part of ``"192.168.0.11/24"`` (or of a bare address); None when empty."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return str(ipaddress.ip_interface(text).ip)
    except ValueError:
        return None


def device_names(hostname: str, settings: Mapping[str, Any]) -> DeviceNames:
    """The names for ``hostname`` (e.g. ``socket.gethostname()``) and the network settings."""
    addresses = [_address(settings.get("wlan.address"))]
    if settings.get("ethernet.mode") == "static":
        addresses.append(_address(settings.get("ethernet.address")))
    unique = dict.fromkeys(address for address in addresses if address)
    return DeviceNames(_hostnames(hostname), tuple(unique))


__all__ = ["DeviceNames", "device_names", "valid_hostname"]
