"""The admin's CSS and JavaScript, served from the device (it often has no internet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bottle

from otpbroker.web.admin.routes import Route

STATIC = Path(__file__).with_name("static")


def static(_context: Any, name: str) -> bottle.HTTPResponse:
    """A file shipped with the package, never cached (an upgrade changes it)."""
    response = bottle.static_file(name, root=str(STATIC))
    response.set_header("Cache-Control", "no-store")
    return response


ROUTES = (Route("GET", "/static/<name:re:[a-z0-9_.-]+>", static, public=True),)
