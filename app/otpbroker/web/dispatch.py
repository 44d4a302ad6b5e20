"""One listener, two apps: the REST API for its paths, the admin for everything else."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: The open paths the API answers besides ``/api/...`` and the command paths.
OPEN_PATHS = frozenset({"/metrics", "/health", "/health/live", "/health/ready"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def by_path(api: WsgiApp, admin: WsgiApp, is_api_path: Callable[[str], bool]) -> WsgiApp:
    """A WSGI app sending API paths (and ``OPEN_PATHS``, ``/api/...``) to ``api``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in OPEN_PATHS or path.startswith("/api/") or is_api_path(path):
            return api(environ, start_response)
        return admin(environ, start_response)

    return app
