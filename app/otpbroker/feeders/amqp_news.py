"""What the RabbitMQ feeder publishes back: replies, status events, received SMS.

pika is not thread-safe: workers and bus listeners never touch the connection. Each publish
is handed to the connection thread with ``add_callback_threadsafe`` (first in, first out,
so a message's reply goes before its later events) and done there on the consuming
channel. At most ``MAX_WAITING`` publishes wait for that thread; beyond it, or without a
connection, a publish is dropped, counted (``news_dropped``) and logged: a reply never
holds up a message or changes its acknowledgement.

- Replies and the later status events of a message go to the default exchange with routing
  key ``reply_to`` and the request's ``correlation_id`` (not persistent). That is also how
  RabbitMQ's direct reply-to works: the requester consumes ``amq.rabbitmq.reply-to`` on the
  channel it publishes its request on, and the responder publishes to the
  ``amq.rabbitmq.reply-to.…`` name it received.
- With ``status_routing_key`` set, every status event of this feeder's messages and every
  device alert (persistent), and every received SMS (not persistent: the text stays in
  memory) go to
  ``status_exchange`` with that routing key. With the default exchange (empty name) the
  feeder declares a durable queue of that name when it connects (one that exists with other
  arguments is used as it is); a named exchange must exist: when it does not (or may not be
  used), status publishing is off for that connection and the reason is logged.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPChannelError, AMQPConnectionError, AMQPError, ChannelClosedByBroker
from pika.spec import BasicProperties

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.replies import encode, followed_id, reply_body, reply_to_problem
from otpbroker.feeders.retry import retry_later
from otpbroker.services.replies import Reply

if TYPE_CHECKING:
    from otpbroker.feeders.base import Feeder

log = logging.getLogger(__name__)

MAX_WAITING = 10_000
"""Publishes handed to the connection thread and not yet done, at most."""


@dataclass(frozen=True)
class ReplyRoute:
    """Where a request asked for its answers."""

    reply_to: str
    correlation_id: str | None


def route_of(properties: BasicProperties) -> ReplyRoute | None:
    """The request's reply route (None: it asked for none); ValueError when ``reply_to`` is
    malformed (empty, longer than 255 bytes, control characters)."""
    reply_to = properties.reply_to
    if reply_to is None:
        return None
    problem = reply_to_problem(str(reply_to))
    if problem is not None:
        raise ValueError(problem)
    correlation = properties.correlation_id
    return ReplyRoute(str(reply_to), None if correlation is None else str(correlation))


class AmqpNews:
    """The RabbitMQ feeder's publishes back to the application."""

    def __init__(self, feeder: Feeder) -> None:
        """Status routing from the feeder's ``status_exchange`` and ``status_routing_key``."""
        self._feeder = feeder
        key = str(feeder.settings.get("status_routing_key") or "").strip()
        self.status_key = key or None
        self.status_exchange = str(feeder.settings.get("status_exchange") or "").strip()
        self._lock = threading.Lock()
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._status_ready = False
        self._waiting = 0

    # -- the connection thread ------------------------------------------------------------------
    def connected(self, connection: BlockingConnection, channel: BlockingChannel) -> None:
        """A new connection: publish on ``channel`` (the consuming one) from now on."""
        ready = self.status_key is not None and self._prepare(connection)
        with self._lock:
            self._connection, self._channel, self._status_ready = connection, channel, ready

    def disconnected(self) -> None:
        """The connection ended: publishes are dropped until the next one."""
        with self._lock:
            self._connection, self._channel, self._status_ready = None, None, False

    def _prepare(self, connection: BlockingConnection) -> bool:
        """Check the status destination on a channel of its own (a refusal closes it)."""
        exchange, key = self.status_exchange, str(self.status_key)
        channel = connection.channel()
        try:
            if exchange:
                channel.exchange_declare(exchange, passive=True)
            else:
                channel.queue_declare(key, durable=True)
        except ChannelClosedByBroker as exc:
            if not exchange and exc.reply_code == 406:  # it exists with other arguments
                return True
            where = f"exchange {exchange!r}" if exchange else f"queue {key!r}"
            log.error("rabbitmq feeder: status %s not usable (%s %s); status events and "
                      "received SMS are not published", where, exc.reply_code,
                      exc.reply_text)  # fmt: skip
            return False
        finally:
            if channel.is_open:
                with contextlib.suppress(AMQPError):
                    channel.close()
        return True

    def _publish(self, what: str, exchange: str, key: str, body: bytes,
                 correlation_id: str | None, status: bool) -> None:  # fmt: skip
        with self._lock:
            self._waiting -= 1
            channel, status_ready = self._channel, self._status_ready
        if channel is None or not channel.is_open:
            self._feeder.news_dropped(what, "no channel")
            return
        if status and not status_ready:
            self._feeder.news_dropped(what, "status destination not usable")
            return
        persistent = status and what != "received SMS"  # a text stays in memory
        properties = BasicProperties(content_type="application/json",
                                     correlation_id=correlation_id,
                                     delivery_mode=2 if persistent else 1)  # fmt: skip
        try:
            channel.basic_publish(exchange, key, body, properties)
        except AMQPConnectionError:
            raise  # consume() ends with the reason and reconnects
        except (AMQPChannelError, ValueError) as exc:
            self._feeder.news_dropped(what, type(exc).__name__)
            return
        self._feeder.news_sent()

    # -- any thread -----------------------------------------------------------------------------
    def _post(self, what: str, publish: Callable[[], None]) -> None:
        """Hand ``publish`` to the connection thread (never waits)."""
        with self._lock:
            connection = self._connection
            if connection is None or self._waiting >= MAX_WAITING:
                full = connection is not None
                connection = None
            else:
                self._waiting += 1
        if connection is None:
            self._feeder.news_dropped(what, "too many waiting" if full else "not connected")
            return
        try:
            connection.add_callback_threadsafe(publish)
        except AMQPError:
            with self._lock:
                self._waiting -= 1
            self._feeder.news_dropped(what, "connection closed")

    def _to(self, what: str, exchange: str, key: str, body: bytes,
            correlation_id: str | None = None, status: bool = False) -> None:  # fmt: skip
        self._post(what, partial(self._publish, what, exchange, key, body, correlation_id,
                                 status))  # fmt: skip

    def reply(self, route: ReplyRoute, reply: Reply) -> None:
        """A command's final reply to its request's ``reply_to``; its message is followed.
        A "try later" answer is not sent: the message goes back to the queue."""
        if retry_later(reply):
            return
        body = encode(reply_body(reply, route.correlation_id))
        send = partial(self._to, "reply", "", route.reply_to, body, route.correlation_id)
        news = self._feeder.news
        if news is None:
            send()
        else:
            news.answer(followed_id(reply), route, send)

    def status(self, event: StatusEvent, route: ReplyRoute | None) -> None:
        """A status event to its request's ``reply_to`` (when followed) and the status key."""
        body = encode(event.as_json())
        if route is not None:
            self._to("status event", "", route.reply_to, body, route.correlation_id)
        if self.status_key is not None:
            self._to("status event", self.status_exchange, self.status_key, body, None, True)

    def inbound(self, message: InboundSms) -> None:
        """A received SMS to the status key (not persistent: the text stays in memory)."""
        if self.status_key is not None:
            self._to("received SMS", self.status_exchange, self.status_key,
                     encode(message.as_json()), None, True)  # fmt: skip

    def alert(self, alert: DeviceAlert) -> None:
        """A device alert to the status key."""
        if self.status_key is not None:
            self._to("alert", self.status_exchange, self.status_key,
                     encode(alert.as_json()), None, True)  # fmt: skip


__all__ = ["MAX_WAITING", "AmqpNews", "ReplyRoute", "route_of"]
