"""The fleet tests' own Redis server and Mosquitto, and the crash rig's process helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent / "feeders"))  # crash_rig, amqp_tools

from mosquitto_rig import OwnMosquitto
from redis_rig import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A started Redis of the test's own."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_mosquitto(tmp_path: Path) -> Iterator[OwnMosquitto]:
    """A started Mosquitto of the test's own."""
    broker = OwnMosquitto(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
