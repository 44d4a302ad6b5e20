"""The RabbitMQ feeder's consumers: one per queue of the consumption plan, each on its own
channel, kept equal to the plan (``services/route_classes.py``) on the connection thread.

A consumer's prefetch is fixed when it starts (RabbitMQ applies ``basic.qos`` to the
consumers started after it; quorum queues refuse a channel-wide one), so a new window means
``basic.cancel``, ``basic.qos``, ``basic.consume`` on the same channel: the deliveries in
progress keep their channel and are settled as usual. A queue that leaves the plan (no modem
for its class now) is cancelled the same way and nothing is rejected or requeued: RabbitMQ
stops sending it here and gives its messages to the other consumers. Its channel stays open
for the deliveries still in progress and is used again when the class comes back.

The worker pool is as large as the sum of the windows (up to 64): a consumer is started only
when its window fits beside the messages in progress and the room the running consumers
still have, so a new window waits for the old consumer's messages rather than block the
connection thread (which would miss heartbeats).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from otpbroker.feeders.amqp_queues import declare
from otpbroker.services.route_classes import QueueWindow

log = logging.getLogger(__name__)

OnMessage = Callable[..., None]
"""pika's ``on_message_callback(channel, method, properties, body)``."""


Pending = dict[tuple[int, int], str]
"""The deliveries in progress: (channel number, delivery tag) -> consumer tag."""


@dataclass
class _Consumer:
    channel: BlockingChannel
    tag: str | None = None
    window: QueueWindow | None = None
    """The window it consumes with now; None while cancelled (or not started)."""
    left: bool = False
    """Cancelled because its queue left the plan (no modem for its class)."""


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

    def apply(self, plan: Sequence[QueueWindow], pending: Pending, capacity: int) -> None:
        """Cancel the consumers whose queue left ``plan`` or whose window changed, then
        start those of ``plan`` not running, each only when its window fits in
        ``capacity`` (the worker pool) with what is in progress (``pending``) and what the
        running consumers may still be sent: the connection thread never waits for a
        worker. One that does not fit starts on a later call."""
        wanted = {window.queue: window for window in plan}
        for queue, consumer in self._consumers.items():
            if consumer.window is not None and wanted.get(queue) != consumer.window:
                self._cancel(queue, consumer)
                if queue not in wanted:
                    consumer.left = True
                    log.info("rabbitmq: no modem for queue %r now: its consumer is cancelled,"
                             " the other consumers take its messages", queue)  # fmt: skip
        for queue, window in wanted.items():
            consumer = self._consumers.get(queue) or self._open(queue)
            if consumer.window == window:
                continue
            if self._reserved(pending) + window.prefetch > capacity:
                continue  # its turn comes when messages in progress are settled
            self._start(queue, consumer, window)
            if consumer.left:
                consumer.left = False
                log.info("rabbitmq: a modem for queue %r is back: consuming it again", queue)

    def _reserved(self, pending: Pending) -> int:
        """Workers taken (``pending``) or promised (the room left in running windows)."""
        held = Counter(pending.values())
        promised = sum(max(0, c.window.prefetch - held[c.tag]) for c in self._consumers.values()
                       if c.window is not None and c.tag is not None)  # fmt: skip
        return len(pending) + promised

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


__all__ = ["Consumers", "Pending"]
