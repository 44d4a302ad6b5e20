"""The device's public IPv4 address: from "what is my IP" web services, or an interface.

The web services are asked in turn until one answers with a usable address. With mobile
internet the ppp interface holds the public address itself, so it is read from the kernel
(``SIOCGIFADDR``) without asking anyone.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from collections.abc import Sequence

from otpbroker.ddns.web_client import NetworkError, WebClient

WEB_SOURCE = "web"
SIOCGIFADDR = 0x8915
PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def usable_public(text: str) -> str | None:
    """Why ``text`` is not a usable public IPv4 address, or None when it is."""
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        return f"not an IPv4 address: {text[:40]!r}"
    if address.is_loopback or address.is_unspecified or address.is_multicast:
        return f"{address} is not a public address"
    if address.is_link_local or any(address in network for network in PRIVATE):
        return f"{address} is a private address"
    return None


def interface_address(name: str) -> str:
    """The IPv4 address of interface ``name``; LookupError when it has none."""
    packed_name = struct.pack("256s", name.encode()[:15])
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, packed_name)
    except OSError as error:
        raise LookupError(f"interface {name} has no IPv4 address ({error.strerror})") from None
    return socket.inet_ntoa(reply[20:24])


class PublicAddressFinder:
    """Finds the public address from ``source``: ``web`` or an interface name such as ppp0."""

    def __init__(
        self, client: WebClient, services: Sequence[str], source: str = WEB_SOURCE
    ) -> None:
        self._client = client
        self._services = tuple(services)
        self._source = source

    def find(self) -> str:
        """The address; LookupError listing what each source said when none worked."""
        if self._source != WEB_SOURCE:
            return interface_address(self._source)
        if not self._services:
            raise LookupError("no 'what is my IP' service is configured (ddns.ip_services)")
        problems = []
        for url in self._services:
            try:
                answer = self._client.request("GET", url, {"Accept": "text/plain"})
            except NetworkError as error:
                problems.append(str(error))
                continue
            text = answer.text.strip()
            if answer.status != 200:
                problems.append(f"{url}: HTTP {answer.status}")
                continue
            wrong = usable_public(text)
            if wrong is None:
                return text
            problems.append(f"{url}: {wrong}")
        raise LookupError("no service gave the public address: " + "; ".join(problems))
