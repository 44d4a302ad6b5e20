"""What the front (haproxy) forwards: the client's address and port, and the scheme.

cheroot serves the front only, on a Unix socket per scheme in a directory only the service's
user can enter; the front replaces ``X-Forwarded-For`` and ``X-Forwarded-Port`` with the
client's address and the public port, so they are trusted here. The scheme is known from
the socket the request came in on, never from a header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FromFront:
    """WSGI middleware: ``REMOTE_ADDR``, ``SERVER_PORT`` and ``wsgi.url_scheme`` as the
    client saw them."""

    def __init__(self, app: Wsgi, scheme: str) -> None:
        """``scheme``: the scheme of the socket this app is served on."""
        self._app = app
        self._scheme = scheme

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Rewrite the environment, then call the app."""
        client = environ.get("HTTP_X_FORWARDED_FOR", "")
        environ["REMOTE_ADDR"] = client
        environ["HTTP_X_FORWARDED_FOR"] = client  # bottle reads the route from it
        port = environ.get("HTTP_X_FORWARDED_PORT", "")
        if port.isdigit():
            environ["SERVER_PORT"] = port
        environ["wsgi.url_scheme"] = self._scheme
        if self._scheme == "https":
            environ["HTTPS"] = "on"
        return self._app(environ, start_response)


__all__ = ["FromFront"]
