"""The admin's CSS and JavaScript, served from the device (it often has no internet)."""

from __future__ import annotations

from pathlib import Path

import bottle

STATIC = Path(__file__).with_name("static")


def register(app: bottle.Bottle) -> None:
    """``GET /static/<name>`` for the files shipped with the package."""

    @app.get("/static/<name:re:[a-z0-9_.-]+>", public=True)
    def static(name: str) -> bottle.HTTPResponse:
        response = bottle.static_file(name, root=str(STATIC))
        response.set_header("Cache-Control", "no-store")
        return response
