"""A small HTTP client on ``urllib.request``: time-outs, verified TLS, answers for every status."""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 15.0
MAX_BODY = 1_000_000


class NetworkError(Exception):
    """The request never got an HTTP answer (DNS, refused, reset, time-out, TLS)."""


@dataclass(frozen=True)
class HttpAnswer:
    """Status, headers (lower-case names) and body of one answer."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body as text (invalid UTF-8 replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not)."""
        return json.loads(self.body.decode("utf-8"))

    def retry_after(self) -> float | None:
        """Seconds from a numeric ``Retry-After`` header, if any."""
        value = self.headers.get("retry-after", "").strip()
        return float(value) if value.isdigit() else None


@dataclass(frozen=True)
class WebClient:
    """Sends requests with one User-Agent and one time-out."""

    user_agent: str
    timeout: float = DEFAULT_TIMEOUT
    tls: ssl.SSLContext | None = None

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpAnswer:
        """Send one request; HTTP error statuses are answers, not exceptions."""
        import urllib.error  # on first use: most devices never update a DDNS name (boot time)
        import urllib.request

        if not url.startswith(("https://", "http://")):
            raise NetworkError(f"not an http(s) URL: {url[:80]!r}")
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - checked
        request.add_header("User-Agent", self.user_agent)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        context = self.tls or ssl.create_default_context()
        try:
            opened = urllib.request.urlopen(request, timeout=self.timeout, context=context)  # noqa: S310
            with opened as reply:
                return HttpAnswer(reply.status, reply.read(MAX_BODY), _headers(reply.headers))
        except urllib.error.HTTPError as error:
            payload = error.read(MAX_BODY) if error.fp is not None else b""
            return HttpAnswer(error.code, payload, _headers(error.headers))
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise NetworkError(f"{method} {_host(url)} failed: {reason}") from None


def _headers(message: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in (message or {}).items()}


def _host(url: str) -> str:
    return url.split("/", 3)[2] if url.count("/") >= 2 else url
