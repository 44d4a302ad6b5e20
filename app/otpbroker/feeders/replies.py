"""What a feeder tells the application back: replies, later status events, received SMS.

Every feeder gets a ``FeederNews`` from the manager (when the composition root connected the
two-way bus). It

- learns the id of each message a command accepted (``capture()``: the bus tells the
  ``accepted`` event in the thread that runs the command, so a message the client gave no
  id still gets the device's ``d-...`` id in its reply);
- remembers, per message, where its request asked for answers (``follow()``: a RabbitMQ
  ``reply_to`` and ``correlation_id``, an MQTT 5 response topic and correlation data), in
  memory only, at most ``FOLLOWED`` messages and ``status.report_wait_seconds`` each, until a
  final state;
- hands every status event of its own messages (``source`` is the feeder's name), with the
  remembered route when there is one, every received SMS and every device alert (raised or
  cleared) to the feeder, which queues them to its connection's thread. A bus listener never blocks.

Bodies (``docs/feeders.md``): a reply is ``{"type": "reply", "id": .., <Reply.as_json()>}``
plus ``correlation_id`` when the transport has a text one; a status event
``StatusEvent.as_json()``; a received SMS ``InboundSms.as_json()``; a device alert
``DeviceAlert.as_json()``. No message text and no
OTP ever goes in a reply or a status event (the request-otp token is not the OTP).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from otpbroker.domain.message_life import DeviceAlert, InboundSms, MessageState, StatusEvent
from otpbroker.services.replies import Code, Reply
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

MAX_ADDRESS_BYTES = 255
"""The longest reply address (RabbitMQ ``reply_to``, MQTT response topic), in UTF-8 bytes."""

FOLLOWED = 10_000
"""Messages whose later events a feeder kind sends to their reply address, at most."""

StatusTeller = Callable[[StatusEvent, Any], None]
"""(event, the route its request asked for or None): called in the producer's thread."""
InboundTeller = Callable[[InboundSms], None]
AlertTeller = Callable[[DeviceAlert], None]


def reply_body(reply: Reply, correlation_id: str | None = None) -> dict[str, Any]:
    """A command's reply as the feeders send it back (never a message text)."""
    data = reply.data if isinstance(reply.data, dict) else {}
    body: dict[str, Any] = {"type": "reply", "id": data.get("id"), **reply.as_json()}
    if correlation_id is not None:
        body["correlation_id"] = correlation_id
    return body


def encode(body: dict[str, Any]) -> bytes:
    """A body as UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _address_problem(value: str, what: str) -> str | None:
    if not value.strip():
        return f"{what} is empty"
    if len(value.encode("utf-8", "surrogatepass")) > MAX_ADDRESS_BYTES:
        return f"{what} is longer than {MAX_ADDRESS_BYTES} bytes"
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value):
        return f"{what} holds control characters"
    return None


def reply_to_problem(value: str) -> str | None:
    """Why a RabbitMQ ``reply_to`` cannot be replied to, or None when it can."""
    return _address_problem(value, "reply_to")


def response_topic_problem(value: str) -> str | None:
    """Why an MQTT 5 response topic cannot be published to, or None when it can."""
    problem = _address_problem(value, "response topic")
    if problem is not None:
        return problem
    if "+" in value or "#" in value:
        return "response topic holds a wildcard (+ or #)"
    if value.startswith("$"):
        return "response topic starts with $ (reserved by the broker)"
    return None


def filled_id(reply: Reply, accepted: list[str]) -> Reply:
    """``reply`` with the device's message id in ``data.id`` when the client gave none."""
    data = reply.data
    if not accepted or not isinstance(data, dict) or data.get("id") not in (None, ""):
        return reply
    if "id" not in data:
        return reply
    return Reply(reply.command, reply.code, reply.text, {**data, "id": accepted[-1]})


def followed_id(reply: Reply) -> str | None:
    """The id of the message whose later events a reply's route should get: a message
    sent (``0000``) or perhaps sent (``1103``), the only ones a status report can follow."""
    data = reply.data if isinstance(reply.data, dict) else {}
    message_id = data.get("id")
    if reply.code not in (Code.OK, Code.OUTCOME_UNKNOWN) or not isinstance(message_id, str):
        return None
    return message_id or None


class RouteBook:
    """Where each followed message's later events go: bounded by count and time."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float]) -> None:
        """At most ``limit`` messages, each for ``seconds``."""
        self._limit, self._seconds, self._clock = limit, seconds, clock
        self._routes: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def seconds(self) -> float:
        """How long a message is followed."""
        return self._seconds

    @seconds.setter
    def seconds(self, value: float) -> None:
        """Follow messages followed from now on for ``value`` seconds."""
        self._seconds = value

    def follow(self, message_id: str, route: Any) -> None:
        """Remember ``route`` for ``message_id`` (the oldest is forgotten when full)."""
        with self._lock:
            self._routes.pop(message_id, None)
            self._routes[message_id] = (route, self._clock() + self._seconds)
            while len(self._routes) > self._limit:
                self._routes.popitem(last=False)

    def route(self, message_id: str, final: bool) -> Any:
        """The route of ``message_id`` (None: not followed, or no longer); forgotten after
        a ``final`` state."""
        with self._lock:
            entry = self._routes.pop(message_id, None) if final else self._routes.get(message_id)
            if entry is None:
                return None
            if entry[1] < self._clock():
                self._routes.pop(message_id, None)
                return None
            return entry[0]

    def __len__(self) -> int:
        """How many messages are followed."""
        with self._lock:
            return len(self._routes)


class FeederNews:
    """One feeder's link to the two-way bus."""

    def __init__(
        self,
        bus: TwoWayBus,
        wait_seconds: float,
        routes: RouteBook | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Follow messages for ``wait_seconds`` each, in ``routes`` (None: a new book of at
        most ``FOLLOWED`` messages; the manager passes the one its feeder kind keeps across
        restarts)."""
        self.bus = bus
        self.routes = routes if routes is not None else RouteBook(FOLLOWED, wait_seconds, clock)
        self.routes.seconds = wait_seconds
        self._source = ""
        self._local = threading.local()
        self._order = threading.Lock()  # a reply and its following, against its events
        self._tell_status: StatusTeller | None = None
        self._tell_inbound: InboundTeller | None = None
        self._tell_alert: AlertTeller | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    def start(
        self,
        source: str,
        status: StatusTeller,
        inbound: InboundTeller | None,
        alert: AlertTeller | None = None,
    ) -> None:
        """Subscribe: ``status`` gets the events of ``source``'s messages, ``inbound``
        (None: not wanted) every received SMS, ``alert`` (None: not wanted) every device
        alert. None must block."""
        self._source, self._tell_status, self._tell_inbound = source, status, inbound
        self._tell_alert = alert
        self._unsubscribe = [self.bus.subscribe_status(self._on_status)]
        if inbound is not None:
            self._unsubscribe.append(self.bus.subscribe_inbound(self._on_inbound))
        if alert is not None:
            self._unsubscribe.append(self.bus.subscribe_alert(self._on_alert))

    def stop(self) -> None:
        """Unsubscribe."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[str]]:
        """The ids of the messages accepted in this thread meanwhile (for this source)."""
        ids: list[str] = []
        self._local.ids = ids
        try:
            yield ids
        finally:
            self._local.ids = None

    def follow(self, message_id: str | None, route: Any) -> None:
        """Send the later events of ``message_id`` to ``route`` too."""
        if message_id:
            self.routes.follow(message_id, route)

    def answer(self, message_id: str | None, route: Any, send: Callable[[], None]) -> None:
        """``send()`` a reply (it must not block), then follow its message: no event of the
        message is told between the two, so none can go to ``route`` before the reply."""
        with self._order:
            send()
            self.follow(message_id, route)

    def _on_status(self, event: StatusEvent) -> None:
        if event.source != self._source:
            return
        ids = getattr(self._local, "ids", None)
        if ids is not None and event.state is MessageState.ACCEPTED:
            ids.append(event.message_id)
        with self._order:
            route = self.routes.route(event.message_id, event.state.final)
            if self._tell_status is not None:
                self._tell_status(event, route)

    def _on_inbound(self, message: InboundSms) -> None:
        if self._tell_inbound is not None:
            self._tell_inbound(message)

    def _on_alert(self, alert: DeviceAlert) -> None:
        if self._tell_alert is not None:
            self._tell_alert(alert)


__all__ = [
    "FOLLOWED",
    "MAX_ADDRESS_BYTES",
    "FeederNews",
    "RouteBook",
    "encode",
    "filled_id",
    "followed_id",
    "reply_body",
    "reply_to_problem",
    "response_topic_problem",
]
