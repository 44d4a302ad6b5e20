"""The feeders by name, each imported when it is first started or probed.

A feeder's client library (pika, paho-mqtt, websocket-client) is imported with its module,
so naming the feeders here costs nothing at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Feeder name -> (module, feeder class).
FEEDERS = {
    "rabbitmq": ("otpbroker.feeders.amqp", "RabbitMqFeeder"),
    "ws": ("otpbroker.feeders.ws", "WsBrokerFeeder"),
    "mqtt": ("otpbroker.feeders.mqtt", "MqttFeeder"),
}


def on_first_use(module: str, name: str) -> Any:
    """A callable that imports ``module`` on its first call and calls its ``name``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def feeder_factories() -> dict[str, Callable[..., Any]]:
    """Each feeder's class, imported on first use."""
    return {name: on_first_use(module, cls) for name, (module, cls) in FEEDERS.items()}


def feeder_probes() -> dict[str, Callable[..., str | None]]:
    """Each feeder module's ``probe`` (the admin's connection test), imported on first use."""
    return {name: on_first_use(module, "probe") for name, (module, _) in FEEDERS.items()}


__all__ = ["FEEDERS", "feeder_factories", "feeder_probes", "on_first_use"]
