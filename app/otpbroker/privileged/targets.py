"""The fixed table of targets: which file each one installs and which service it restarts.

Nothing outside this table is ever written. ``ppp-peer:NAME`` and ``ppp-chat:NAME`` take a
link name of 1-15 of ``a-z 0-9 -``; every other target is a single fixed file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINK_NAME = re.compile(r"[a-z0-9-]{1,15}")


@dataclass(frozen=True)
class Target:
    """One installable file: its target name, path, kind (for checks) and service action."""

    name: str
    path: str
    kind: str
    service: str | None = None
    action: str = "restart"
    mode: int = 0o644


FIXED: dict[str, Target] = {
    target.name: target
    for target in (
        Target("hostapd", "/etc/hostapd/hostapd.conf", "hostapd", "hostapd", mode=0o600),
        Target("dnsmasq", "/etc/dnsmasq.d/otp-broker.conf", "dnsmasq", "dnsmasq"),
        Target(
            "networkd-wlan",
            "/etc/systemd/network/10-otpb-wlan.network",
            "networkd",
            "systemd-networkd",
        ),
        Target(
            "networkd-eth",
            "/etc/systemd/network/20-otpb-eth.network",
            "networkd",
            "systemd-networkd",
        ),
        Target("nftables", "/etc/nftables.conf", "nftables", "nftables", "reload"),
    )
}
PPP_KINDS = {"ppp-peer": "/etc/ppp/peers/", "ppp-chat": "/etc/chatscripts/"}


def link_name(name: str) -> str:
    """``name`` when it is a valid ppp link name; ValueError otherwise."""
    if not LINK_NAME.fullmatch(name):
        raise ValueError(f"link name {name!r} must be 1-15 of a-z, 0-9 and '-'")
    return name


def resolve(name: str) -> Target:
    """The target called ``name``; ValueError with the list of valid names otherwise."""
    if name in FIXED:
        return FIXED[name]
    kind, colon, link = name.partition(":")
    if colon and kind in PPP_KINDS:
        mode = 0o600 if kind == "ppp-peer" else 0o644  # a peer file may hold a password
        return Target(name, PPP_KINDS[kind] + link_name(link), kind, mode=mode)
    known = ", ".join([*FIXED, "ppp-peer:NAME", "ppp-chat:NAME"])
    raise ValueError(f"unknown target {name!r}; known targets: {known}")


def resolve_all(names: list[str]) -> list[Target]:
    """Every named target, in order; ValueError for none, an unknown one or a repeat."""
    if not names:
        raise ValueError("no target given")
    targets = [resolve(name) for name in names]
    seen: set[str] = set()
    for target in targets:
        if target.name in seen:
            raise ValueError(f"target {target.name!r} is given twice")
        seen.add(target.name)
    return targets
