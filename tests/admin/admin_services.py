"""The admin built from a set of services with fakes in place of what a test replaces.

``admin_services(broker, server=Broken())`` is the broker's own ``AdminServices`` with the
given fields replaced (a new frozen set, the broker's untouched); ``ServedAdmin`` serves the
admin built from such a set on a free loopback port, behind the same body limit as the
broker's, so ``AdminClient`` talks to it like to the broker.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from otpbroker.bootstrap import Broker
from otpbroker.web.admin.app import build_admin, with_body_limit
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.server import HttpServer


def admin_services(broker: Broker, **overrides: Any) -> AdminServices:
    """The broker's admin services with ``overrides`` (field name: fake) in their place."""
    return dataclasses.replace(broker.admin_services, **overrides)


class ServedAdmin:
    """The admin of ``services`` on its own loopback port until ``stop``."""

    def __init__(self, services: AdminServices) -> None:
        self.services = services
        self._server = HttpServer(with_body_limit(build_admin(services)), "127.0.0.1", 0)
        self._server.start()
        host, port = self._server.bound_address
        self.base = f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()
