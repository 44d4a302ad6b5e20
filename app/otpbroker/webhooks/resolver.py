"""Host name resolution for webhook URLs (``services.webhook_urls.HostResolver``)."""

from __future__ import annotations

import socket


class SocketResolver:
    """Resolves with the system's resolver (``getaddrinfo``), TCP addresses only."""

    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, each once, in the resolver's order (OSError when none)."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[str] = []
        for _family, _type, _proto, _name, address in infos:
            text = str(address[0])
            if text not in addresses:
                addresses.append(text)
        return addresses


__all__ = ["SocketResolver"]
