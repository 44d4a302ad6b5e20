"""RabbitMQ feeder: consume one durable queue and acknowledge a message only when it is done.

Like the original product, the queue is bound to the default exchange (routing key = queue
name) and declared durable. Each delivery goes to the shared worker pool
(``Feeder.dispatch_async``); when every command in it has a final outcome (sent, failed
with a reason, unknown, or refused with a reply code) the delivery is settled:

- at least one command answered (whatever the code): ``basic_ack``;
- malformed (not JSON, none of the accepted shapes, no command at all, too many items):
  ``basic_nack`` with ``requeue=False``. With a dead-letter exchange on the queue
  (argument or policy) the message is dead-lettered for inspection; without one RabbitMQ
  drops it. It is never requeued, so a poison message cannot block the ones behind it.

pika is not thread-safe: workers never touch the connection; they hand the settlement
(ack/nack and the optional reply) back to the connection thread with
``add_callback_threadsafe``, the one thread-safe BlockingConnection method.

When the connection is lost, work in progress still finishes but its ack cannot be sent
(delivery tags die with their channel); RabbitMQ redelivers those messages on the next
connection and the message id (explicit, or the base class's derived one) makes the
redelivery a duplicate (``1205``): nothing is lost and nothing is sent twice.

A command answered "try later" (``1101`` no modem, ``1108`` quota reached; see ``retry.py``)
is tried again in place after a pause (``data.retry_after`` when given, bounded), with the
later commands for its number waiting behind it, while the delivery stays unacknowledged.
When ``retry_policy`` gives up, the delivery is requeued (``basic_nack`` with requeue): it
waits in RabbitMQ (durable) until a modem or quota is back instead of being dropped; the
later messages for its number that this feeder already holds may then overtake it.

The broker's expiry becomes the commands' ``DeliveryTerms.expires_at``: the ``expiration``
property (milliseconds) counted from the ``timestamp`` property when the message has one,
else from its arrival here (RabbitMQ does not say how long it was queued, so that bound is
loose). The feeder's ``default_ttl_seconds`` and ``default_priority`` complete the terms.

Replies and status (``replies.py``, ``amqp_news.py``): a message with ``reply_to`` gets each
command's reply published to the default exchange with routing key ``reply_to`` and the
same ``correlation_id`` (so RabbitMQ's direct reply-to ``amq.rabbitmq.reply-to`` works),
and its later status events the same way while the feeder follows it. With
``status_routing_key`` set, every status event of this feeder's messages and every received
SMS is also published to ``status_exchange``. A malformed ``reply_to`` refuses the message
(``1219``): nothing runs, it is acknowledged, and no reply goes anywhere.

Queues and windows (``amqp_queues.py``, ``amqp_consumers.py``): the main queue and the
queues of the route classes this device has a modem for (``services/route_classes.py``),
each declared with the settings' type and arguments (classic or quorum, delivery limit,
dead-letter exchange) and consumed on a channel of its own, with the consumer priority of
its class. Each queue's prefetch follows the modems that can send now (``prefetch_per_modem``
each, at least 1, at most ``prefetch``), re-read every ``poll_seconds``; a class with no
modem left is cancelled (never rejected and requeued in a loop) and consumed again when one
is back. The worker pool holds ``prefetch`` per queue, so the connection thread does not
wait for a free worker (a blocked connection thread misses heartbeats) except briefly after
a reconnect, while the old connection's work finishes.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import (
    AMQPChannelError,
    AMQPConnectionError,
    AMQPError,
    StreamLostError,
)
from pika.frame import Body
from pika.spec import Basic, BasicProperties

from otpbroker.domain.delivery import DeliveryTerms
from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.amqp_consumers import Consumers, Pending
from otpbroker.feeders.amqp_news import AmqpNews, ReplyRoute, route_of
from otpbroker.feeders.amqp_probe import login_options
from otpbroker.feeders.amqp_probe import probe as probe
from otpbroker.feeders.amqp_queues import queue_arguments
from otpbroker.feeders.base import CommandSink, Feeder
from otpbroker.feeders.manager import DEVICE
from otpbroker.feeders.retry import RetryPolicy, retry_later
from otpbroker.services.fleet_names import connection_name, device_name
from otpbroker.services.replies import Code, Reply
from otpbroker.services.route_classes import QueueWindow, RouteClass, parse_classes

log = logging.getLogger(__name__)


class _WithholdBodies(logging.Filter):
    """pika logs an unexpected frame with ``%r``; a body frame would show the message text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, Body) for a in record.args):
            record.args = tuple("<body withheld>" if isinstance(a, Body) else a
                                for a in record.args)  # fmt: skip
        return True


logging.getLogger("pika.channel").addFilter(_WithholdBodies())

MALFORMED = Reply("", Code.MALFORMED_JSON, "the message is not JSON or has no accepted shape")


class ConsumerCancelled(RuntimeError):
    """RabbitMQ ended the consumer (queue deleted, channel closed by an error)."""


def _process(connection: BlockingConnection, seconds: float) -> None:
    """``process_data_events`` with the real reason when the connection dies meanwhile.

    (pika 1.4: a timed wait on a connection that died inside a callback fails with
    ``ValueError: Timeout closed before call`` from its timer set-up, hiding the reason.)
    """
    try:
        connection.process_data_events(time_limit=seconds)
    except ValueError as exc:
        if connection.is_open:
            raise
        cause = exc.__context__
        raise cause if isinstance(cause, AMQPError) else AMQPConnectionError("closed") from None


def _abort(connection: BlockingConnection) -> None:
    """Drop the TCP connection without the AMQP goodbye: over a route that is gone, a clean
    ``close()`` would wait for an answer that never comes. RabbitMQ hands out again what was
    unacknowledged once it notices (at once when the old route still works, else after its
    heartbeat). pika has no public call for it: what its heartbeat checker does on a time-out
    (``_terminate_stream``), else ``close()``."""
    terminate = getattr(getattr(connection, "_impl", None), "_terminate_stream", None)
    if not callable(terminate):
        connection.close()
        return
    terminate(StreamLostError("dropped after an uplink switch"))
    with contextlib.suppress(AMQPError, ValueError):
        connection.process_data_events(time_limit=0)  # lets pika see its stream ended


class RabbitMqFeeder(Feeder):
    """Consumes ``settings["queue"]`` (and its route classes' queues) with manual
    acknowledgements."""

    name = "rabbitmq"
    heartbeat = 30
    blocked_timeout = 60.0
    socket_timeout = 5.0
    """Seconds for the TCP connect and for socket reads during the handshake."""
    stack_timeout = 10.0
    """Seconds for the whole connection set-up (TCP, TLS, AMQP handshake)."""
    poll_seconds = 0.5
    retry_policy = RetryPolicy(delays=(2.0, 5.0, 10.0, 20.0, 30.0), limit=5)
    """Tries in place of a command answered "try later" before its delivery is requeued."""

    def __init__(
        self, sink: CommandSink, settings: Mapping[str, Any], concurrency: int | None = None
    ) -> None:
        self.classes: list[RouteClass] = []
        """The route classes whose queues this feeder may consume."""
        self._problem: str | None = None
        """A setting that cannot be used (shown in the status, logged once)."""
        try:
            self.classes = parse_classes(settings.get("route_classes") or ())
        except ValueError as exc:  # the settings refuse it; a hand-edited store must not stop us
            self._problem = f"route classes not used: {exc}"
            log.error("rabbitmq: %s", self._problem)
        # One worker per unacknowledged message: each queue's prefetch is at most ``prefetch``.
        window = max(1, min(int(settings.get("prefetch", 16) or 16), 64))
        workers = concurrency or min(64, window * (1 + len(self.classes)))
        super().__init__(sink, settings, workers)
        self.arguments = queue_arguments(settings)
        """The declaration arguments of every queue consumed (``amqp_queues.py``)."""
        self._noticed: dict[str, str] = {}
        device = device_name(str(settings.get(DEVICE) or ""))
        self.connection_name = connection_name(device, self.name, secrets.token_hex(4))
        """Shown by RabbitMQ (``client_properties.connection_name``): names this device
        (``fleet.device_name``, else the host name; ``services/fleet_names.py``)."""
        self._connection: BlockingConnection | None = None
        self.outgoing = AmqpNews(self)
        """Replies, status events and received SMS, published on the connection thread."""

    @property
    def queue(self) -> str:
        """The queue consumed."""
        return str(self.settings.get("queue") or "sms")

    def parameters(self) -> pika.ConnectionParameters:
        """Connection parameters from the settings."""
        s = self.settings
        host = str(s.get("host") or "localhost")
        options = login_options(s, host)
        return pika.ConnectionParameters(
            host=host,
            port=int(s.get("port") or (5671 if s.get("tls") else 5672)),
            virtual_host=str(s.get("vhost") or "/"),
            heartbeat=self.heartbeat,
            blocked_connection_timeout=self.blocked_timeout,
            connection_attempts=1,
            socket_timeout=self.socket_timeout,
            stack_timeout=self.stack_timeout,
            client_properties={"connection_name": self.connection_name},
            **options,
        )

    # -- the connection thread ----------------------------------------------------------------
    def consume(self) -> None:
        """Connect, consume the plan's queues until stopped or the connection fails, then
        close."""
        connection = pika.BlockingConnection(self.parameters())
        self._connection = connection
        pending: Pending = {}  # deliveries in progress; touched on this thread only
        cancelled: list[object] = []
        try:
            news_channel = connection.channel()
            self.outgoing.connected(connection, news_channel)
            on_message = partial(self._on_message, connection, pending)
            consumers = Consumers(connection, self.arguments, on_message, cancelled.append)
            consumers.apply(self.plan(), pending, self.concurrency)
            self.mark_connected()
            self._notice(consumers.notices)
            while not self.stopping.is_set() and not self.switching.is_set():
                _process(connection, self.poll_seconds)
                if cancelled or not consumers.open or not news_channel.is_open:
                    raise ConsumerCancelled(f"RabbitMQ ended a consumer of {self.queue!r}")
                consumers.apply(self.plan(), pending, self.concurrency)
                self._notice(consumers.notices)
            if not self.switching.is_set():
                consumers.cancel_all()  # undelivered prefetched messages go back to the queue
                self._drain(connection, pending)
        finally:
            self._connection = None
            self.outgoing.disconnected()
            self._close(connection)

    def _close(self, connection: BlockingConnection) -> None:
        """Close cleanly; after an uplink switch drop it at once (``_abort``)."""
        if not connection.is_open:
            return
        try:
            if self.switching.is_set():
                _abort(connection)
            else:
                connection.close()
        except AMQPError:
            log.debug("rabbitmq: close failed", exc_info=True)

    def plan(self) -> list[QueueWindow]:
        """The queues to consume now, each with its prefetch and consumer priority: from the
        planner (the modems that can take work), else every queue with the full window."""
        cap = max(1, min(int(self.settings.get("prefetch") or 10), self.concurrency))
        main_priority = _priority(self.settings.get("consumer_priority"))
        if self.planner is None:
            return [QueueWindow(self.queue, cap, main_priority)] + [
                QueueWindow(c.queue, cap, c.priority) for c in self.classes
                if c.queue != self.queue
            ]  # fmt: skip
        per_modem = int(self.settings.get("prefetch_per_modem") or 1)
        return self.planner.plan(self.queue, self.classes, per_modem=per_modem, cap=cap,
                                 main_priority=main_priority)  # fmt: skip

    def _notice(self, notices: Mapping[str, str]) -> None:
        """Show the queues used as they are in the status; log each once per feeder."""
        for queue, notice in notices.items():
            if self._noticed.get(queue) != notice:
                self._noticed[queue] = notice
                log.error("rabbitmq: %s", notice)
        said = [self._problem] if self._problem else []
        text = "; ".join(said + [self._noticed[q] for q in sorted(notices)])
        if text and self.status.last_error != text:
            self._set(last_error=text[:600])

    def _drain(self, connection: BlockingConnection, pending: Pending) -> None:
        """Let messages in progress finish and be settled before closing (up to
        ``drain_seconds``; when hurried, only the settlements already handed over)."""
        deadline = time.monotonic() + self.drain_seconds
        while pending and time.monotonic() < deadline and connection.is_open:
            _process(connection, 0.1)
            if self.hurried.is_set():
                _process(connection, 0.05)  # settle what the workers decided meanwhile
                break
        if pending:
            log.warning(
                "rabbitmq: %d message(s) still in progress at stop; RabbitMQ will redeliver"
                " them and their ids prevent a second send",
                len(pending),
            )

    def _on_message(
        self,
        connection: BlockingConnection,
        pending: Pending,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        tag = method.delivery_tag
        if tag is None:  # pika's type allows it; a Basic.Deliver from the wire always has one
            raise ValueError("a delivery without a delivery tag")
        try:
            route = route_of(properties)
        except ValueError as exc:  # a malformed reply_to: refused, acknowledged, not run
            self._count("received")
            self._count("rejected")
            log.warning("rabbitmq feeder: message refused (%s %s); nothing was run and no reply"
                        " can be sent", Code.INVALID_REPLY_TO.response_code, exc)  # fmt: skip
            with contextlib.suppress(AMQPChannelError):
                channel.basic_ack(tag)
            return
        pending[(channel.channel_number, tag)] = str(method.consumer_tag)
        settle = partial(self._settle, channel, tag, route, pending)
        self.dispatch_async(
            body,
            partial(self._schedule, connection, tag, settle),
            bool(method.redelivered),
            self.terms(properties),
            None if route is None else partial(self.outgoing.reply, route),
        )

    def terms(self, properties: BasicProperties, now: float | None = None) -> DeliveryTerms:
        """The feeder's defaults with the message's own expiry (``expiration``, counted
        from ``timestamp`` when given, else from ``now``)."""
        expires_at = _expires_at(properties, time.time() if now is None else now)
        if expires_at is None:
            return self.defaults
        return replace(self.defaults, expires_at=expires_at)

    def _schedule(
        self,
        connection: BlockingConnection,
        tag: int,
        settle: Callable[[list[Reply]], None],
        replies: list[Reply],
    ) -> None:
        """On a worker: hand the settlement to the connection thread."""
        try:
            connection.add_callback_threadsafe(partial(settle, replies))
        except AMQPError:
            log.info("rabbitmq: delivery %d done after its connection closed; RabbitMQ "
                     "redelivers it and its id prevents a second send", tag)  # fmt: skip

    def _settle(
        self,
        channel: BlockingChannel,
        tag: int,
        route: ReplyRoute | None,
        pending: Pending,
        replies: list[Reply],
    ) -> None:
        """On the connection thread: publish the replies, then ack (or nack if malformed)."""
        pending.pop((channel.channel_number, tag), None)
        if not channel.is_open:
            log.info("rabbitmq: delivery %d done after its channel closed; it will be "
                     "redelivered and its id prevents a second send", tag)  # fmt: skip
            return
        if _later(replies):  # it waits in the queue for a modem or a quota
            with contextlib.suppress(AMQPChannelError):
                channel.basic_nack(tag, requeue=True)
            return
        if route is not None and not replies:  # each command's reply went when it was done
            self.outgoing.reply(route, MALFORMED)
        try:
            if replies:
                channel.basic_ack(tag)
            else:
                channel.basic_nack(tag, requeue=False)
        except AMQPChannelError as exc:  # a connection error ends consume() with its reason
            log.info("rabbitmq: delivery %d not settled (%s); it will be redelivered",
                     tag, type(exc).__name__)  # fmt: skip

    # -- news (any thread) ------------------------------------------------------------------------
    @property
    def wants_inbound(self) -> bool:
        """Received SMS go to the status routing key when one is set."""
        return self.outgoing.status_key is not None

    def tell_status(self, event: StatusEvent, route: object) -> None:
        """To the request's reply address (when followed) and the status routing key."""
        self.outgoing.status(event, route if isinstance(route, ReplyRoute) else None)

    def tell_alert(self, alert: DeviceAlert) -> None:
        """To the status routing key."""
        self.outgoing.alert(alert)

    def tell_inbound(self, message: InboundSms) -> None:
        """To the status routing key."""
        self.outgoing.inbound(message)

    # -- other threads ----------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Wake the connection thread so it sees ``stopping`` (or ``switching``) at once."""
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(AMQPError):  # already closed: the loop ends by itself
                connection.add_callback_threadsafe(lambda: None)


def _priority(value: object) -> int | None:
    """A consumer priority setting: None (no ``x-priority``) for 0 or nothing."""
    number = int(str(value or 0))
    return number or None


def _later(replies: list[Reply]) -> bool:
    """True when a command of the message may go through later (it waits in the queue)."""
    return any(retry_later(reply) for reply in replies)


def _expires_at(properties: BasicProperties, now: float) -> float | None:
    """Wall-clock expiry from ``expiration`` (milliseconds, text) and ``timestamp``."""
    text = properties.expiration
    try:
        milliseconds = int(str(text)) if text is not None else None
    except ValueError:
        milliseconds = None
    if milliseconds is None or milliseconds < 0:
        return None
    stamp = properties.timestamp
    start = float(stamp) if isinstance(stamp, int) and stamp > 0 else now
    return start + milliseconds / 1000.0
