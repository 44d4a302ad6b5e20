"""What the MQTT feeder publishes back: replies, status events, received SMS (QoS 1).

- To ``status_topic`` (empty: none): every command's reply, every status event of this
  feeder's messages and every received SMS.
- MQTT 5 request/response: a message with a Response Topic gets each command's reply
  there, with its Correlation Data, and the later status events of its messages the same
  way while the feeder follows them. A malformed Response Topic (empty, a wildcard ``+`` or
  ``#``, a ``$`` prefix, longer than 255 bytes, control characters) refuses the message
  (``1219``): nothing runs, it is acknowledged, no reply goes anywhere.

paho is used by the feeder thread only: workers and bus listeners queue what is to be
published (at most ``MAX_WAITING``; beyond, it is dropped, counted and logged) and wake
the loop, which publishes once the connection is subscribed. What waits while the
connection is down goes out on the next one; a reply never holds up a message's PUBACK.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.replies import (
    encode,
    followed_id,
    reply_body,
    response_topic_problem,
)
from otpbroker.feeders.retry import retry_later
from otpbroker.services.replies import Reply

if TYPE_CHECKING:
    from otpbroker.feeders.base import Feeder

log = logging.getLogger(__name__)

MAX_WAITING = 10_000
"""Publishes queued for the feeder thread, at most (also paho's own queue limit)."""


@dataclass(frozen=True)
class TopicRoute:
    """An MQTT 5 request's Response Topic and Correlation Data."""

    topic: str
    correlation: bytes | None

    @property
    def correlation_text(self) -> str | None:
        """The Correlation Data as text, when it is printable UTF-8 (else only the
        property carries it)."""
        if self.correlation is None:
            return None
        try:
            text = self.correlation.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if text.isprintable() else None


def route_of(message: mqtt.MQTTMessage) -> TopicRoute | None:
    """The message's response route (None: it has none); ValueError when malformed."""
    properties = getattr(message, "properties", None)
    topic = getattr(properties, "ResponseTopic", None)
    if topic is None:
        return None
    problem = response_topic_problem(str(topic))
    if problem is not None:
        raise ValueError(problem)
    correlation = getattr(properties, "CorrelationData", None)
    return TopicRoute(str(topic), bytes(correlation) if correlation is not None else None)


@dataclass(frozen=True)
class _Out:
    what: str
    topic: str
    body: bytes
    correlation: bytes | None


class MqttNews:
    """The MQTT feeder's publishes back to the application."""

    def __init__(self, feeder: Feeder, v5: bool) -> None:
        """``status_topic`` from the feeder's settings; ``v5``: properties may be sent."""
        self._feeder = feeder
        self._v5 = v5
        topic = str(feeder.settings.get("status_topic") or "").strip()
        self.status_topic = topic or None
        self._lock = threading.Lock()
        self._waiting: deque[_Out] = deque()

    # -- any thread -----------------------------------------------------------------------------
    def _queue(self, what: str, topic: str, body: bytes, correlation: bytes | None) -> None:
        with self._lock:
            full = len(self._waiting) >= MAX_WAITING
            if not full:
                self._waiting.append(_Out(what, topic, body, correlation))
        if full:
            self._feeder.news_dropped(what, "too many waiting")
        else:
            self._feeder.interrupt()  # wake the loop

    def _send(self, what: str, body: dict[str, Any], route: TopicRoute | None) -> None:
        data = encode(body)
        if route is not None:
            self._queue(what, route.topic, data, route.correlation)
        if self.status_topic is not None:
            self._queue(what, self.status_topic, data, None)

    def reply(self, route: TopicRoute | None, reply: Reply) -> None:
        """A command's final reply (a "try later" one is not: the message stays with the
        broker); its message is followed when the request has a Response Topic."""
        if retry_later(reply):
            return
        correlation = route.correlation_text if route is not None else None
        send = partial(self._send, "reply", reply_body(reply, correlation), route)
        news = self._feeder.news
        if route is None or news is None:
            send()
        else:
            news.answer(followed_id(reply), route, send)

    def status(self, event: StatusEvent, route: TopicRoute | None) -> None:
        """A status event to its request's Response Topic (when followed) and the status
        topic."""
        self._send("status event", event.as_json(), route)

    def alert(self, alert: DeviceAlert) -> None:
        """A device alert to the status topic."""
        self._send("alert", alert.as_json(), None)

    def inbound(self, message: InboundSms) -> None:
        """A received SMS to the status topic."""
        self._send("received SMS", message.as_json(), None)

    # -- the feeder thread ----------------------------------------------------------------------
    def flush(self, client: mqtt.Client) -> None:
        """Publish what waits (called by the loop once the connection is subscribed)."""
        while True:
            with self._lock:
                if not self._waiting:
                    return
                out = self._waiting.popleft()
            properties = None
            if self._v5:
                properties = Properties(PacketTypes.PUBLISH)
                properties.ContentType = "application/json"
                if out.correlation is not None:
                    properties.CorrelationData = out.correlation
            try:
                info = client.publish(out.topic, out.body, qos=1, properties=properties)
            except ValueError as exc:  # paho's own check of the topic or payload
                self._feeder.news_dropped(out.what, f"refused by the client: {exc}")
                continue
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._feeder.news_sent()
            else:
                self._feeder.news_dropped(out.what, mqtt.error_string(info.rc))


__all__ = ["MAX_WAITING", "MqttNews", "TopicRoute", "route_of"]
