"""The WSGI app the listeners serve, handed to them once it exists.

The admin shows the listeners' states and swaps their certificate, so the listeners are built
before the admin, and the app that joins the admin and the API is built last. The slot is
what the listeners hold meanwhile: filled exactly once; until then it answers 503.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from otpbroker.web.dispatch import WsgiApp

NOT_READY = b"starting\n"


class AppSlot:
    """A WSGI app that forwards to the app it is filled with (once)."""

    def __init__(self) -> None:
        """Empty: requests get 503 until ``fill``."""
        self._app: WsgiApp | None = None

    def fill(self, app: WsgiApp) -> None:
        """Serve ``app`` from now on; a second fill is a wiring bug."""
        if self._app is not None:
            raise RuntimeError("the app slot is filled already")
        self._app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Forward to the app (503 before there is one)."""
        if self._app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [NOT_READY]
        return self._app(environ, start_response)


__all__ = ["AppSlot"]
