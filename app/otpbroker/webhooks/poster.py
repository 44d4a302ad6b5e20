"""One webhook POST over http.client: to the addresses the URL check approved, never a
redirect followed, the body from memory (``services.webhook_delivery.WebhookPoster``).

The connection goes to an address that was checked, not to a second lookup of the name (a
name that changes between the check and the connection cannot reach a refused address);
the ``Host`` header and the TLS server name stay the URL's host, and HTTPS verifies the
server's certificate against the system's trusted authorities.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from typing import Protocol

USER_AGENT = "otp-broker-webhook/1"
MAX_ANSWER = 64 * 1024


class Target(Protocol):
    """Where to post (``services.webhook_urls.Target``): the URL's parts and the addresses
    its host resolved to when it was checked."""

    @property
    def scheme(self) -> str:
        """http or https."""
        ...

    @property
    def host(self) -> str:
        """The URL's host (the Host header and the TLS server name)."""
        ...

    @property
    def port(self) -> int:
        """The port."""
        ...

    @property
    def path(self) -> str:
        """The path with its query."""
        ...

    @property
    def addresses(self) -> tuple[str, ...]:
        """The checked addresses, tried in order."""
        ...


class _PinnedHttp(http.client.HTTPConnection):
    """An HTTP connection to one given address."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    """An HTTPS connection to one given address, verified for the URL's host."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class HttpPoster:
    """POSTs a body to a checked target and answers the status code."""

    def post(self, target: Target, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """The status code of the first address that answers; OSError when none does."""
        errors: list[str] = []
        for address in target.addresses or (target.host,):
            try:
                return self._post_once(target, address, body, headers, timeout)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{address}: {str(exc) or type(exc).__name__}")
        raise OSError("; ".join(errors))

    @staticmethod
    def _post_once(
        target: Target, address: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> int:
        kind = _PinnedHttps if target.scheme == "https" else _PinnedHttp
        connection = kind(target, address, timeout)
        try:
            connection.request(
                "POST", target.path, body=body,
                headers={**headers, "User-Agent": USER_AGENT, "Connection": "close"},
            )  # fmt: skip
            answer = connection.getresponse()
            answer.read(MAX_ANSWER)
            return answer.status
        finally:
            connection.close()


__all__ = ["HttpPoster"]
