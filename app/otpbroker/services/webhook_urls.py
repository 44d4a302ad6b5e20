"""The rules of a webhook URL and of the addresses its host resolves to (against SSRF).

A URL is http:// or https://, has a host, carries no user name or password, and is at
most 2048 characters. Its host's addresses are checked when the webhook is added and again
before every delivery (a name may move): never the unspecified address, multicast or
reserved ranges; loopback, link-local (169.254.0.0/16 with the 169.254.169.254 metadata
address, fe80::/10), the device's own addresses and private ranges (RFC 1918, unique local
fc00::/7, shared 100.64.0.0/10) only when the webhook allows private addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

MAX_URL = 2048
MIN_URL = len("http://a")
METADATA = ipaddress.ip_address("169.254.169.254")
SHARED = ipaddress.ip_network("100.64.0.0/10")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(ValueError):
    """The URL (or its host's addresses) may not be used; ``key`` is ``url``."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"url: {rule}")
        self.key = "url"
        self.rule = rule


class HostResolver(Protocol):
    """Name resolution (``otpbroker.webhooks.resolver``)."""

    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses (OSError when it cannot be resolved)."""
        ...


@dataclass(frozen=True)
class Target:
    """A checked URL: scheme, host, port, the path with its query, and the addresses."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...] = ()


def parse_url(url: str) -> Target:
    """The URL's parts when it follows the rules; UrlRefused naming the broken one."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("must not be empty")
    if not MIN_URL <= len(url) <= MAX_URL:
        raise UrlRefused(f"must be {MIN_URL} to {MAX_URL} characters long, got {len(url)}")
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise UrlRefused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlRefused(f"must start with http:// or https://, not {scheme or 'nothing'}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("must not carry a user name or password (the signature authenticates)")
    if not parts.hostname:
        raise UrlRefused("must name a host")
    if parts.fragment:
        raise UrlRefused("must not have a #fragment")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if scheme == "https" else 80
    return Target(scheme, parts.hostname, port or default, path)


def address_problem(text: str, allow_private: bool, own: Iterable[str] = ()) -> str | None:
    """Why a delivery may not go to address ``text`` (None when it may)."""
    try:
        address: Address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return f"resolves to {text!r}, which is not an IP address"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:
        return f"resolves to the unspecified address {address}"
    if address.is_multicast:
        return f"resolves to the multicast address {address}"
    if allow_private:
        return None if not address.is_reserved else f"resolves to the reserved address {address}"
    return _private_problem(address, own)


def _private_problem(address: Address, own: Iterable[str]) -> str | None:
    hint = " (tick 'allow private address' to post there)"
    if address == METADATA:
        return f"resolves to the cloud metadata address {address}" + hint
    if address.is_loopback:
        return f"resolves to the loopback address {address}" + hint
    if address.is_link_local:
        return f"resolves to the link-local address {address}" + hint
    if str(address) in {str(one).split("%", 1)[0] for one in own}:
        return f"resolves to {address}, an address of this device" + hint
    if address.is_reserved:
        return f"resolves to the reserved address {address}"
    if address.is_private or address in SHARED:
        return f"resolves to the private address {address}" + hint
    return None


def checked_target(
    url: str,
    allow_private: bool,
    resolver: HostResolver,
    own_addresses: Callable[[], Iterable[str]],
) -> Target:
    """The URL parsed and its host resolved and checked (UrlRefused when refused; OSError
    when the host cannot be resolved now)."""
    target = parse_url(url)
    addresses = resolver.resolve(target.host, target.port)
    if not addresses:
        raise OSError(f"{target.host} resolves to no address")
    own = list(own_addresses()) if not allow_private else []
    for address in addresses:
        problem = address_problem(address, allow_private, own)
        if problem is not None:
            raise UrlRefused(f"host {target.host} {problem}")
    return Target(target.scheme, target.host, target.port, target.path, tuple(addresses))


__all__ = [
    "HostResolver",
    "Target",
    "UrlRefused",
    "address_problem",
    "checked_target",
    "parse_url",
]
