"""Shared admin fixtures: a browser-like client logged in as the first administrator, and the
admin served from services with fakes (``serve_admin``).

Each test module provides its own ``harness`` (a running Broker with what it needs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from admin_client import AdminClient
from admin_services import ServedAdmin, admin_services


@pytest.fixture
def admin(harness):
    """Create the first administrator with the device's setup code; stay logged in."""
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    return client


@pytest.fixture
def serve_admin() -> Iterator[Callable[..., ServedAdmin]]:
    """``serve_admin(broker, **fakes)``: the broker's admin services with ``fakes`` in their
    place, served on a free port; stopped when the test ends."""
    served: list[ServedAdmin] = []

    def serve(broker: Any, **fakes: Any) -> ServedAdmin:
        served.append(ServedAdmin(admin_services(broker, **fakes)))
        return served[-1]

    yield serve
    for one in served:
        one.stop()
