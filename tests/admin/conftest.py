"""Shared admin fixture: a browser-like client logged in as the first administrator.

Each test module provides its own ``harness`` (a running Broker with what it needs).
"""

from __future__ import annotations

import pytest
from admin_client import AdminClient


@pytest.fixture
def admin(harness):
    """Create the first administrator with the device's setup code; stay logged in."""
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    return client
