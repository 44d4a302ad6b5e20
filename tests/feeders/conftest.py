"""Each test starts with no remembered feeder messages (one process runs many brokers)."""

from __future__ import annotations

import pytest

from otpbroker.feeders.base import forget_redeliveries


@pytest.fixture(autouse=True)
def _fresh_redelivery_memory():
    forget_redeliveries()
    yield
