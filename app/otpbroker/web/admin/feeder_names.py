"""The feeders as the admin names them (the feeders page and the home page)."""

from __future__ import annotations

FEEDERS: tuple[tuple[str, str], ...] = (
    ("rabbitmq", "RabbitMQ"),
    ("ws", "WSMessageBroker"),
    ("mqtt", "MQTT"),
)
LABELS = dict(FEEDERS)
