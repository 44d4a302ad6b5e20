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

from otpbroker.i18n.translate import _

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
        raise UrlRefused(_("must not be empty"))
    if not MIN_URL <= len(url) <= MAX_URL:
        raise UrlRefused(
            _("must be {low} to {high} characters long, got {count}").format(
                low=MIN_URL, high=MAX_URL, count=len(url)
            )
        )
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise UrlRefused(_("must not contain spaces or control characters"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(_("is not a valid URL ({reason})").format(reason=exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme:
            raise UrlRefused(_("must start with http:// or https://, not nothing"))
        raise UrlRefused(
            _("must start with http:// or https://, not {scheme}").format(scheme=scheme)
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused(_("must not carry a user name or password (the signature authenticates)"))
    if not parts.hostname:
        raise UrlRefused(_("must name a host"))
    if parts.fragment:
        raise UrlRefused(_("must not have a #fragment"))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if scheme == "https" else 80
    return Target(scheme, parts.hostname, port or default, path)


def address_problem(text: str, allow_private: bool, own: Iterable[str] = ()) -> str | None:
    """Why a delivery may not go to address ``text`` (None when it may)."""
    try:
        address: Address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _("resolves to {text}, which is not an IP address").format(text=repr(text))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:
        return _("resolves to the unspecified address {address}").format(address=address)
    if address.is_multicast:
        return _("resolves to the multicast address {address}").format(address=address)
    if allow_private:
        if not address.is_reserved:
            return None
        return _("resolves to the reserved address {address}").format(address=address)
    return _private_problem(address, own)


def _private_problem(address: Address, own: Iterable[str]) -> str | None:
    if address == METADATA:
        text = _("resolves to the cloud metadata address {address} (tick 'allow private "
                 "address' to post there)")  # fmt: skip
    elif address.is_loopback:
        text = _("resolves to the loopback address {address} (tick 'allow private address' "
                 "to post there)")  # fmt: skip
    elif address.is_link_local:
        text = _("resolves to the link-local address {address} (tick 'allow private "
                 "address' to post there)")  # fmt: skip
    elif str(address) in {str(one).split("%", 1)[0] for one in own}:
        text = _("resolves to {address}, an address of this device (tick 'allow private "
                 "address' to post there)")  # fmt: skip
    elif address.is_reserved:
        text = _("resolves to the reserved address {address}")
    elif address.is_private or address in SHARED:
        text = _("resolves to the private address {address} (tick 'allow private address' "
                 "to post there)")  # fmt: skip
    else:
        return None
    return text.format(address=address)


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
            raise UrlRefused(_("host {host} {problem}").format(host=target.host, problem=problem))
    return Target(target.scheme, target.host, target.port, target.path, tuple(addresses))


__all__ = [
    "HostResolver",
    "Target",
    "UrlRefused",
    "address_problem",
    "checked_target",
    "parse_url",
]
