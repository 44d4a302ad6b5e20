"""MQTT consumer: QoS 1 on a persistent session, each message acknowledged after processing.

- MQTT 5 (``protocol`` ``5``, the default) with ``clean_start=False`` and a session expiry
  interval of ``session_expiry`` seconds, or MQTT 3.1.1 (``3.1.1``, for brokers that do not
  speak 5) with ``clean_session=False``; a stable client id (empty setting:
  ``otp-broker-<host name>-<machine>``): the broker queues QoS 1 messages while the device is
  offline.
- MQTT 5's Message Expiry Interval (the broker sends the seconds left) becomes the commands'
  ``DeliveryTerms.expires_at`` (now + seconds left); the feeder's ``default_ttl_seconds`` and
  ``default_priority`` complete the terms.
- ``manual_ack=True``: a PUBACK is sent only when every command of the message is done
  (sent, refused and malformed alike). A command answered "try later" (``1101`` no modem,
  ``1108`` quota reached) is held and tried again in its place (``retry_policy``: after
  ``data.retry_after`` when given, else the delays), with no limit on tries: until it goes
  through or its expiry ends it (``expired``). Meanwhile the later commands for its number
  wait behind it. At stop it is left unacknowledged, so the broker keeps it for the next
  session. What is unacknowledged when a connection ends is redelivered by the
  broker, and the id (or derived id) de-duplication turns copies of sent messages into
  duplicates (``1205``), which are acknowledged: nothing lost, nothing sent twice.
- paho's ``ack()`` is not safe from a worker thread when we run the loop ourselves (it writes
  to the socket at once, concurrently with the loop). Workers only queue the ack and wake the
  feeder thread through a socket pair; only the feeder thread calls paho. An ack goes only to
  the connection its message came by (packet ids are reused after a reconnect). Acks follow
  completion order, so a message held for a modem holds back only its own number's
  messages.
- The loop is our ``select()`` on the client socket and the wake-up socket (paho's
  external-loop API: ``loop_read``/``loop_write``/``loop_misc``); it never waits for a worker
  (received messages queue until one is free). paho's reconnect is off: a lost connection ends
  ``consume()`` and the base backs off.
- ``stop()`` finishes and acknowledges messages in progress (up to ``drain_seconds``; a
  hurried stop only sends the acknowledgements already decided), then
  disconnects cleanly; the rest (messages held to try again included) stays with the broker
  for next time.
- ``share_group`` set: the subscription is ``$share/<group>/<topic>`` (MQTT 5 shared
  subscription; Mosquitto also takes it from 3.1.1 clients): the devices of one group share
  the messages, each message going to one member.
- A retained message replayed on SUBSCRIBE (retain flag set) is stale: acknowledged, skipped.
- Replies, status events and received SMS go back at QoS 1 to ``status_topic`` and, for MQTT
  5, to a message's Response Topic with its Correlation Data (``mqtt_news.py``); a malformed
  Response Topic refuses the message (``1219``) unrun.

Nothing here logs or keeps a message text.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import re
import secrets
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from otpbroker.domain.delivery import DeliveryTerms
from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.base import CommandSink, Feeder
from otpbroker.feeders.mqtt_news import MAX_WAITING, MqttNews, TopicRoute, route_of
from otpbroker.feeders.retry import RetryPolicy, retry_later
from otpbroker.i18n.translate import _
from otpbroker.services.replies import Code, Reply

log = logging.getLogger(__name__)

_BAD_CREDENTIALS = (134, 135)  # "Bad user name or password", "Not authorized"
_BAD_PROTOCOL = (1, 132)  # 3.1.1 "unacceptable protocol version", 5 "Unsupported protocol"
V5 = MQTTProtocolVersion.MQTTv5
PROTOCOLS = {"5": V5, "3.1.1": MQTTProtocolVersion.MQTTv311}


class CredentialsRejected(ConnectionRefusedError):
    """The broker refused the CONNECT for its user name or password."""


def machine_tag(path: str = "/etc/machine-id") -> str:
    """Eight hex digits derived from the machine id (not the id itself), or ``0`` * 8."""
    try:
        with open(path, encoding="ascii") as handle:
            machine = handle.read().strip()
    except OSError:
        return "00000000"
    return hashlib.sha256(b"otp-broker mqtt " + machine.encode()).hexdigest()[:8]


@dataclass(frozen=True, repr=False)
class _Held:  # a received message until its PUBACK: its connection, packet id, QoS, payload
    client: mqtt.Client
    mid: int
    qos: int
    payload: bytes
    dup: bool = False
    expires_at: float | None = None  # from MQTT 5's message expiry, wall clock
    route: TopicRoute | None = None  # MQTT 5's Response Topic and Correlation Data


@dataclass
class _Link:  # what one connection's callbacks report to the loop
    client: Any = None
    ready: bool = False
    error: Exception | None = None
    lost: str | None = None


class MqttFeeder(Feeder):
    """Consumes one MQTT topic at QoS 1."""

    name = "mqtt"
    keepalive = 30
    connect_timeout = 10.0
    """Longest wait for the TCP/TLS connection, and then for CONNACK plus SUBACK."""
    poll = 1.0
    session_expiry = 7 * 24 * 3600
    """MQTT 5: seconds the broker keeps the session (and queues messages) while we are away."""
    retry_policy = RetryPolicy(limit=None)
    """A "try later" command is tried again until it goes through or expires."""

    def __init__(
        self, sink: CommandSink, settings: Mapping[str, Any], concurrency: int = 16
    ) -> None:
        super().__init__(sink, settings, concurrency)
        self._acks: queue.SimpleQueue[_Held] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        for end in (self._wake_r, self._wake_w):
            end.setblocking(False)
        self._held_lock = threading.Lock()
        self._busy = 0
        self._ready: deque[_Held] = deque()  # received, waiting for a worker
        self.outgoing = MqttNews(self, self.protocol == V5)
        """Replies, status events and received SMS, published by the feeder thread."""

    @property
    def client_id(self) -> str:
        """The configured client id, else ``otp-broker-<host name>-<machine>``.

        Devices flashed from one image share a host name; the machine id (made at first
        boot) keeps their ids apart, so they do not knock each other off the broker.
        """
        host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:40] or "device"
        return str(self.settings.get("client_id") or "") or f"otp-broker-{host}-{machine_tag()}"

    # -- life cycle ---------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Wake the network loop (it checks ``stopping``, ``switching``, acks and retries)."""
        with contextlib.suppress(OSError):  # closed, or full: the loop is awake anyway
            self._wake_w.send(b"x")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (finishing and acknowledging messages in progress)."""
        super().stop(timeout)
        self._wake_r.close()
        self._wake_w.close()

    @property
    def protocol(self) -> MQTTProtocolVersion:
        """paho's protocol constant for the ``protocol`` setting (``5`` or ``3.1.1``)."""
        return PROTOCOLS.get(str(self.settings.get("protocol") or "5"), V5)

    def _new_client(self, link: _Link) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=None if self.protocol == V5 else False,  # 5: clean_start, at connect
            userdata=link,
            protocol=self.protocol,
            reconnect_on_failure=False,
            manual_ack=True,
        )
        client.connect_timeout = self.connect_timeout
        client.max_queued_messages_set(MAX_WAITING)
        if self.settings.get("username"):
            client.username_pw_set(
                str(self.settings["username"]), str(self.settings.get("password") or "") or None
            )
        if self.settings.get("tls"):
            client.tls_set()
        client.on_connect, client.on_subscribe = self._on_connect, self._on_subscribe
        client.on_disconnect, client.on_message = self._on_disconnect, self._on_message
        return client

    def consume(self) -> None:
        """Connect, subscribe and run the network loop until the connection ends."""
        link = _Link()
        client = link.client = self._new_client(link)
        try:
            if self.stopping.is_set():
                return
            client.connect(
                str(self.settings.get("host") or "localhost"),
                int(self.settings.get("port") or 1883),
                keepalive=self.keepalive,
                **self._session_options(),
            )
            self._loop(link, client)
        except Exception:
            if self.stopping.is_set():
                return
            raise
        finally:
            self._forget(client)
            with contextlib.suppress(Exception):
                client.disconnect()  # sends DISCONNECT and closes the socket if it can
            sock = client.socket()
            if sock is not None:
                sock.close()

    def _session_options(self) -> dict[str, Any]:
        """MQTT 5: keep the session (``clean_start`` off, a session expiry interval)."""
        if self.protocol != V5:
            return {}
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        return {"clean_start": False, "properties": properties}

    # -- the network loop (feeder thread only) ----------------------------------------------
    def _loop(self, link: _Link, client: mqtt.Client) -> None:
        deadline = time.monotonic() + self.connect_timeout
        drain_until: float | None = None
        while True:
            if self.switching.is_set() and not self.stopping.is_set():
                return  # an uplink switch: the connection is dropped (finally) and made anew
            if self.stopping.is_set():
                if drain_until is None:
                    drain_until = time.monotonic() + self.drain_seconds
                    self._forget(None)  # left unacknowledged: redelivered later
                with self._held_lock:
                    busy = self._busy
                if busy == 0 or time.monotonic() > drain_until or self.hurried.is_set():
                    if link.ready:
                        self.outgoing.flush(client)
                    self._flush_acks(client)
                    return
            self._flush_acks(client)
            self._dispatch_ready(client)
            if link.ready:
                self.outgoing.flush(client)
            if not link.ready and time.monotonic() > deadline:
                raise TimeoutError(f"no CONNACK/SUBACK within {self.connect_timeout:g} s")
            sock = client.socket()
            if sock is None:
                raise ConnectionError(f"connection to the broker lost ({link.lost or 'closed'})")
            pending = sock.pending() if hasattr(sock, "pending") else 0  # TLS-buffered bytes
            wait = 0.0 if pending else self.poll
            wanted = [sock] if client.want_write() else []
            readable, writable, _none = select.select([sock, self._wake_r], wanted, [], wait)
            if self._wake_r in readable:
                with contextlib.suppress(OSError):
                    self._wake_r.recv(4096)
            rc = MQTTErrorCode.MQTT_ERR_SUCCESS
            if sock in readable or pending:
                rc = client.loop_read()
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and sock in writable:
                rc = client.loop_write()
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                rc = client.loop_misc()
            if link.error is not None:
                raise link.error
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                why = {mqtt.error_string(rc), link.lost or ""} - {"", "Unspecified error"}
                raise ConnectionError(f"connection to the broker lost ({'; '.join(sorted(why))})")

    def _flush_acks(self, client: mqtt.Client) -> None:
        while not self._acks.empty():  # this thread is the only consumer
            held = self._acks.get_nowait()
            if held.client is client and held.qos > 0:
                client.ack(held.mid, held.qos)

    # -- paho callbacks (feeder thread, inside loop_read) -------------------------------------
    def _on_connect(self, client: mqtt.Client, link: _Link, flags: Any, reason: Any,
                    properties: Any) -> None:  # fmt: skip
        if reason.is_failure:
            user = str(self.settings.get("username") or "")[:64]
            bad = reason.value in _BAD_CREDENTIALS
            what = f"credentials rejected for user {user!r}" if bad else "connection refused"
            link.error = (CredentialsRejected if bad else ConnectionRefusedError)(
                f"{what} by the broker ({reason}){_hint(reason.value)}")  # fmt: skip
            return
        if not flags.session_present:
            log.info("mqtt feeder: new session for client id %r", self.client_id)
        client.subscribe(topic_filter(self.settings), qos=1)

    def _on_subscribe(self, client: mqtt.Client, link: _Link, mid: int, codes: list[Any],
                      properties: Any) -> None:  # fmt: skip
        if any(code.is_failure for code in codes):
            topic = topic_filter(self.settings)
            link.error = ConnectionRefusedError(f"the broker refused the subscription to {topic!r}")
            return
        link.ready = True
        self.mark_connected()

    def _on_disconnect(self, client: mqtt.Client, link: _Link, flags: Any, reason: Any,
                       properties: Any) -> None:  # fmt: skip
        link.lost = str(reason)

    def _on_message(self, client: mqtt.Client, link: _Link, message: mqtt.MQTTMessage) -> None:
        held = _Held(client, message.mid, message.qos, bytes(message.payload),
                     bool(message.dup), _expires_at(message))  # fmt: skip
        why = "skipped a retained message (publish without retain)" if message.retain else ""
        try:
            held = replace(held, route=route_of(message))
        except ValueError as exc:  # nothing runs, no reply can be sent
            why = f"message refused ({Code.INVALID_REPLY_TO.response_code} {exc})"
        if why:
            self._count("received")
            self._count("rejected")
            log.warning("mqtt feeder: %s", why)
            client.ack(held.mid, held.qos)
            return
        if not self.stopping.is_set():  # else not acknowledged: redelivered next session
            self._ready.append(held)
            self._dispatch_ready(client)

    # -- completion (worker threads) --------------------------------------------------------
    def _completion(self, held: _Held) -> Callable[[list[Reply]], None]:
        def done(replies: list[Reply]) -> None:
            with self._held_lock:
                self._busy -= 1
            if any(retry_later(reply) for reply in replies):
                log.info("mqtt feeder: a message still waiting for a modem or quota is left "
                         "with the broker")  # fmt: skip
            else:
                self._acks.put(held)
            self.interrupt()

        return done

    def _dispatch_ready(self, client: mqtt.Client) -> None:
        """Hand received messages to free workers, in arrival order; never waits for one."""
        while self._ready and not self.stopping.is_set():
            held = self._ready.popleft()
            if held.client is not client:
                continue  # from an earlier connection: the broker redelivers it
            with self._held_lock:
                if self._busy >= self.concurrency:
                    self._ready.appendleft(held)
                    return
                self._busy += 1
            self.dispatch_async(held.payload, self._completion(held), held.dup, self._terms(held),
                                partial(self.outgoing.reply, held.route))  # fmt: skip

    def _terms(self, held: _Held) -> DeliveryTerms:
        if held.expires_at is None:
            return self.defaults
        return replace(self.defaults, expires_at=held.expires_at)

    # -- news (any thread) -------------------------------------------------------------------
    @property
    def wants_inbound(self) -> bool:
        """Received SMS go to the status topic when one is set."""
        return self.outgoing.status_topic is not None

    def tell_status(self, event: StatusEvent, route: object) -> None:
        """To the request's Response Topic (when followed) and the status topic."""
        self.outgoing.status(event, route if isinstance(route, TopicRoute) else None)

    def tell_alert(self, alert: DeviceAlert) -> None:
        """To the status topic."""
        self.outgoing.alert(alert)

    def tell_inbound(self, message: InboundSms) -> None:
        """To the status topic."""
        self.outgoing.inbound(message)

    def _forget(self, client: mqtt.Client | None) -> None:
        """Drop what waits for a worker (the broker redelivers it): from ``client``'s
        connection, or everything (None, at stop)."""
        with self._held_lock:
            if client is None:
                self._ready = deque()
            else:
                self._ready = deque(h for h in self._ready if h.client is not client)


def _hint(reason: int) -> str:
    """What to do when the broker refuses the MQTT version."""
    if reason not in _BAD_PROTOCOL:
        return ""
    return "; for a broker without MQTT 5 set feeders.mqtt.protocol to 3.1.1"


def _expires_at(message: mqtt.MQTTMessage) -> float | None:
    """now + MQTT 5's Message Expiry Interval (the seconds left), when the message has one."""
    left = getattr(getattr(message, "properties", None), "MessageExpiryInterval", None)
    if isinstance(left, bool) or not isinstance(left, int):
        return None
    return time.time() + left


def topic_filter(settings: Mapping[str, Any]) -> str:
    """The filter subscribed: the topic, or ``$share/<group>/<topic>`` when a share group is
    set (several devices in one group share the messages, each message to one of them)."""
    topic = str(settings.get("topic") or "sms")
    group = str(settings.get("share_group") or "")
    return f"$share/{group}/{topic}" if group else topic


def probe(settings: Mapping[str, Any], timeout: float = 5.0) -> str | None:
    """Try ``settings`` (the ``feeders.mqtt.*`` values without the prefix) once.

    Connects with a throw-away client id and a clean session (so the feeder's own session is
    neither taken over nor changed), subscribes to the topic to check the broker allows it,
    and disconnects. Returns None when that works, else the precise reason.
    """
    host = str(settings.get("host") or "localhost")
    port = int(settings.get("port") or 1883)
    where = f"{host}:{port}"
    topic = topic_filter(settings)
    link = _Link()
    protocol = PROTOCOLS.get(str(settings.get("protocol") or "5"), V5)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"otp-broker-test-{secrets.token_hex(4)}",
        clean_session=None if protocol == V5 else True,  # 5: a clean start is the default
        userdata=link,
        protocol=protocol,
        reconnect_on_failure=False,
    )
    client.connect_timeout = timeout
    user = str(settings.get("username") or "")
    if user:
        client.username_pw_set(user, str(settings.get("password") or "") or None)

    def on_connect(client: mqtt.Client, link: _Link, flags: Any, reason: Any,
                   properties: Any) -> None:  # fmt: skip
        if reason.is_failure:
            if reason.value in _BAD_CREDENTIALS:
                text = _("credentials rejected for user {user} by the broker ({reason})")
            elif reason.value in _BAD_PROTOCOL:
                text = _(
                    "connection refused by the broker ({reason}); for a broker without MQTT 5 "
                    "set feeders.mqtt.protocol to 3.1.1"
                )
            else:
                text = _("connection refused by the broker ({reason})")
            link.error = ConnectionRefusedError(text.format(user=repr(user[:64]), reason=reason))
        else:
            client.subscribe(topic, qos=1)

    def on_subscribe(client: mqtt.Client, link: _Link, mid: int, codes: list[Any],
                     properties: Any) -> None:  # fmt: skip
        if any(code.is_failure for code in codes):
            text = _("the broker refused the subscription to {topic}")
            link.error = ConnectionRefusedError(text.format(topic=repr(topic)))
        link.ready = True

    def on_disconnect(client: mqtt.Client, link: _Link, flags: Any, reason: Any,
                      properties: Any) -> None:  # fmt: skip
        link.lost = str(reason)

    client.on_connect, client.on_subscribe, client.on_disconnect = (
        on_connect, on_subscribe, on_disconnect)  # fmt: skip
    deadline = time.monotonic() + timeout
    try:
        if settings.get("tls"):
            client.tls_set()
        client.connect(host, port, keepalive=max(5, int(timeout) * 2))
        while not link.ready and link.error is None:
            left = deadline - time.monotonic()
            if left <= 0:
                text = _("{where}: no CONNACK/SUBACK within {seconds} s (is this an MQTT broker?)")
                return text.format(where=where, seconds=f"{timeout:g}")
            rc = client.loop(min(left, 0.5))
            if link.error is None and rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                why = {mqtt.error_string(rc), link.lost or ""} - {"", "Unspecified error"}
                reason = "; ".join(sorted(why))
                text = _("{where}: connection lost ({reason}; is this an MQTT broker?)")
                return text.format(where=where, reason=reason)
        return None if link.error is None else f"{where}: {link.error}"
    except socket.gaierror as exc:
        text = _("{where}: the host name cannot be resolved ({error})")
        return text.format(where=where, error=exc.strerror or exc)
    except ConnectionRefusedError:
        return _("{where}: connection refused (nothing listens on that port)").format(where=where)
    except TimeoutError:
        text = _("{where}: no answer within {seconds} s")
        return text.format(where=where, seconds=f"{timeout:g}")
    except ssl.SSLError as exc:
        return _("{where}: TLS failed ({error})").format(where=where, error=exc)
    except (OSError, ValueError) as exc:
        return f"{where}: {type(exc).__name__}: {exc}"[:300]
    finally:
        with contextlib.suppress(Exception):
            client.disconnect()
        sock = client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
