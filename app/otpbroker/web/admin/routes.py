"""The admin's route tables: each page module lists its routes as data.

A page module defines its handlers as module-level functions whose first parameter,
``context``, is the admin's services (``AdminServices``), followed by the path's wildcards,
and one ``ROUTES`` table, so that ``grep`` finds the handler of any path::

    ROUTES = (
        Route("GET", "/admins", list_admins),
        Route("POST", "/admins/<admin_id>/delete", delete_admin),
        Route("GET", "/login", login_page, public=True),
    )
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import bottle


@dataclass(frozen=True)
class Route:
    """One admin path: its method, pattern and handler (``handler(context, **wildcards)``)."""

    method: str
    path: str
    handler: Callable[..., Any]
    public: bool = False  # reachable without a session (login, setup, forgotten password)


def mount(app: bottle.Bottle, context: Any, routes: Iterable[Route]) -> None:
    """Add every route of a table to ``app``, each handler bound to ``context``."""
    for route in routes:
        callback = functools.update_wrapper(
            functools.partial(route.handler, context), route.handler
        )
        app.route(route.path, route.method, callback, public=route.public)
