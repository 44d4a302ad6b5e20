"""The admin WSGI app: the guard plugin, static files and every page module."""

from __future__ import annotations

import importlib
import pkgutil

import bottle

from otpbroker.web.admin import pages, static_files
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.guard import HEADERS, AdminGuard


def page_modules() -> list[str]:
    """Every module of ``otpbroker.web.admin.pages`` (each has ``register(app, context)``)."""
    return sorted(info.name for info in pkgutil.iter_modules(pages.__path__))


def build_admin(context: AdminContext) -> bottle.Bottle:
    """The admin app with every page registered."""
    app = bottle.Bottle()
    app.install(AdminGuard(context))
    static_files.register(app)
    for name in page_modules():
        module = importlib.import_module(f"{pages.__name__}.{name}")
        module.register(app, context)

    @app.error(404)
    def not_found(_error: bottle.HTTPError) -> str:
        for header, value in HEADERS.items():
            bottle.response.set_header(header, value)
        bottle.response.content_type = "text/plain; charset=utf-8"
        return "404: no such page"

    return app
