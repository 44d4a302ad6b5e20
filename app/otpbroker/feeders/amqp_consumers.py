"""The RabbitMQ feeder's consumers: one per queue of the consumption plan, each on its own
channel, kept equal to the plan (``services/route_classes.py``) on the connection thread.

A consumer's prefetch is fixed when it starts (RabbitMQ applies ``basic.qos`` to the
consumers started after it; quorum queues refuse a channel-wide one), so a new window means
``basic.cancel``, ``basic.qos``, ``basic.consume`` on the same channel: the deliveries in
progress keep their channel and are settled as usual. A queue that leaves the plan (no modem
for its class now) is cancelled the same way and nothing is rejected or requeued: RabbitMQ
stops sending it here and gives its messages to the other consumers. Its channel stays open
for the deliveries still in progress and is used again when the class comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from otpbroker.feeders.amqp_queues import declare
from otpbroker.services.route_classes import QueueWindow

log = logging.getLogger(__name__)

OnMessage = Callable[..., None]
"""pika's ``on_message_callback(channel, method, properties, body)``."""


@dataclass
class _Consumer:
    channel: BlockingChannel
    tag: str | None = None
    window: QueueWindow | None = None


class Consumers:
    """The consumers of one connection (touched on the connection thread only)."""

    def __init__(
        self,
        connection: BlockingConnection,
        arguments: Mapping[str, Any],
        on_message: OnMessage,
        on_cancel: Callable[[Any], None],
    ) -> None:
        """``arguments``: the queues' declaration arguments; ``on_cancel``: RabbitMQ ended a
        consumer (queue deleted...)."""
        self._connection = connection
        self._arguments = dict(arguments)
        self._on_message = on_message
        self._on_cancel = on_cancel
        self._consumers: dict[str, _Consumer] = {}
        self.notices: dict[str, str] = {}
        """Queue -> why it is used as it is (``amqp_queues.mismatch_notice``)."""

    @property
    def open(self) -> bool:
        """False once any of the channels was closed (by RabbitMQ or the connection)."""
        return all(c.channel.is_open for c in self._consumers.values())

    def consuming(self) -> dict[str, QueueWindow]:
        """The queues consumed now, with their windows."""
        return {q: c.window for q, c in self._consumers.items() if c.window is not None}

    def apply(self, plan: Sequence[QueueWindow]) -> None:
        """Start, restart (new window) or cancel consumers so they match ``plan``."""
        wanted = {window.queue: window for window in plan}
        for queue, consumer in self._consumers.items():
            if consumer.window is not None and queue not in wanted:
                self._cancel(queue, consumer)
                log.info("rabbitmq: no modem for queue %r now: its consumer is cancelled, the"
                         " other consumers take its messages", queue)  # fmt: skip
        for queue, window in wanted.items():
            consumer = self._consumers.get(queue) or self._open(queue)
            if consumer.window == window:
                continue
            resumed = consumer.window is None and consumer.tag is not None
            self._cancel(queue, consumer)
            self._start(queue, consumer, window)
            if resumed:
                log.info("rabbitmq: a modem for queue %r is back: consuming it again", queue)

    def cancel_all(self) -> None:
        """Cancel every consumer (undelivered prefetched messages go back to their queue)."""
        for queue, consumer in self._consumers.items():
            if consumer.channel.is_open:
                self._cancel(queue, consumer)

    def _open(self, queue: str) -> _Consumer:
        channel, notice = declare(
            self._connection, self._connection.channel(), queue, self._arguments
        )
        channel.add_on_cancel_callback(self._on_cancel)
        if notice is not None:
            self.notices[queue] = notice
        consumer = self._consumers[queue] = _Consumer(channel)
        return consumer

    def _start(self, queue: str, consumer: _Consumer, window: QueueWindow) -> None:
        consumer.channel.basic_qos(prefetch_count=window.prefetch)
        arguments = None if window.priority is None else {"x-priority": window.priority}
        consumer.tag = consumer.channel.basic_consume(
            queue, self._on_message, auto_ack=False, arguments=arguments
        )
        consumer.window = window

    @staticmethod
    def _cancel(queue: str, consumer: _Consumer) -> None:
        if consumer.tag is not None and consumer.window is not None:
            consumer.channel.basic_cancel(consumer.tag)
            log.debug("rabbitmq: consumer of %r cancelled", queue)
        consumer.window = None


__all__ = ["Consumers"]
