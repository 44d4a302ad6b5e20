"""WSMessageBroker consumer: the original product's WebSocket message broker (PHP Ratchet).

The protocol, as the server implements it:

1. connect with an HTTP Basic ``Authorization`` header (URL path and query are ignored);
2. the server's first frame is ``{"command":"connect","response_code":"00",...}``, or ``"01"``
   ("Rejected") for bad credentials -- the server does NOT close the connection then, so the
   feeder closes it, records "credentials rejected" and backs off;
3. register with ``{"command":"receive-message","channel":<channel>,"data":[]}``;
4. from then on the server forwards each sender's whole ``send-message`` frame verbatim; each
   received frame goes to ``dispatch_async()``. There are no acknowledgements.

Keep-alive uses WebSocket ping frames only. The protocol's ``ping`` *command* must never be
sent: the server answers it but silently turns the connection back into a non-receiver. A ping
that gets no frame at all back within ``pong_timeout`` marks the connection dead; it is closed
and a new one made after the base back-off.

Limitation, by protocol design: the server neither stores nor acknowledges anything. Frames
sent while this feeder is disconnected (or between a connection loss and the next
registration) are lost, and so are frames received but not yet processed when the device
stops or loses power. Where that matters use MQTT (QoS 1) or RabbitMQ.

A command answered "try later" (``1101`` no modem, ``1108`` quota reached) is held in memory
and tried again in its place (``retry_policy``: after ``data.retry_after`` when given, else
after the delays), at most ``retry_policy.limit`` more times; the later commands for its
number wait behind it. Beyond the limit, or when the feeder stops, it is given up (logged).
Held messages count against the worker slots: with every slot held, the feeder reads no new
frame until one is free. The protocol has no expiry; the feeder's ``default_ttl_seconds``
and ``default_priority`` are the commands' terms.

Replies, status events and received SMS go to ``status_channel`` as ``send-message``
frames, on a second connection (``ws_news.py``): sending one would end this connection's
place as a receiver.

Nothing here logs or keeps a message text.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import websocket
from websocket import ABNF

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.base import CommandSink, Feeder
from otpbroker.feeders.retry import RetryPolicy, retry_later
from otpbroker.feeders.ws_news import WsNews
from otpbroker.i18n.translate import _
from otpbroker.services.replies import Reply

log = logging.getLogger(__name__)

_DATA_OPCODES = (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY)


class CredentialsRejected(ConnectionError):
    """The server answered the connection with ``response_code`` other than ``00``."""


class WsBrokerFeeder(Feeder):
    """Receives the ``send-message`` frames of one WSMessageBroker channel."""

    name = "ws"
    ping_interval = 20.0
    """Seconds between WebSocket ping frames."""
    pong_timeout = 10.0
    """A ping answered by no frame within this many seconds means the connection is dead."""
    connect_timeout = 10.0
    """Longest wait for the TCP/TLS connection, the HTTP upgrade and the ``connect`` frame."""
    poll = 1.0
    """Longest blocking receive, so stop requests, pings and retries are never late."""
    retry_policy = RetryPolicy(limit=8)
    """Tries in place of a command answered "try later"; then it is given up."""

    def __init__(
        self, sink: CommandSink, settings: Mapping[str, Any], concurrency: int = 16
    ) -> None:
        super().__init__(sink, settings, concurrency)
        self._ws: websocket.WebSocket | None = None
        self._ws_lock = threading.Lock()
        self.outgoing = WsNews(self, self._open_sender)
        """Replies, status events and received SMS, sent on a connection of their own."""

    def start(self) -> None:
        """Start receiving, and the status channel's sender."""
        super().start()
        self.outgoing.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop receiving, then the sender (after what it has queued, briefly)."""
        super().stop(timeout)
        self.outgoing.stop()

    # -- news (any thread) ----------------------------------------------------------------------
    @property
    def wants_inbound(self) -> bool:
        """Received SMS go to the status channel when one is set."""
        return self.outgoing.status_channel is not None

    def tell_status(self, event: StatusEvent, route: object) -> None:
        """To the status channel (the protocol has no per-request reply address)."""
        self.outgoing.status(event)

    def tell_alert(self, alert: DeviceAlert) -> None:
        """To the status channel."""
        self.outgoing.alert(alert)

    def tell_inbound(self, message: InboundSms) -> None:
        """To the status channel."""
        self.outgoing.inbound(message)

    def _open_sender(self) -> websocket.WebSocket:
        """A new accepted connection for the status channel's sender (never registered as a
        receiver)."""
        ws = websocket.WebSocket(skip_utf8_validation=True)
        try:
            ws.connect(str(self.settings["url"]), header=[self._authorization()],
                       timeout=self.connect_timeout)  # fmt: skip
            self._expect_accepted(ws)
        except Exception:
            ws.shutdown()
            raise
        return ws

    # -- connection ------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Shut the socket down so a blocking connect or receive returns at once."""
        with self._ws_lock:
            ws = self._ws
        sock = ws.sock if ws is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def reconnect(self) -> None:
        """Drop both connections (receiving and the status channel's) and make them anew."""
        super().reconnect()
        self.outgoing.reconnect()

    def _authorization(self) -> str:
        user = str(self.settings.get("username") or "")
        password = str(self.settings.get("password") or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return f"Authorization: Basic {token}"

    def consume(self) -> None:
        """Connect, check the ``connect`` frame, register, then receive until the end."""
        ws = websocket.WebSocket(skip_utf8_validation=True)  # parse_feed judges the bytes
        with self._ws_lock:
            self._ws = ws
        try:
            if self.stopping.is_set():
                return
            ws.connect(
                str(self.settings["url"]),
                header=[self._authorization()],
                timeout=self.connect_timeout,
            )
            self._expect_accepted(ws)
            channel = str(self.settings.get("channel") or "sms")
            ws.send(json.dumps({"command": "receive-message", "channel": channel, "data": []}))
            self.mark_connected()
            self._receive(ws)
        except Exception:
            if self.stopping.is_set() or self.switching.is_set():
                return  # the connection was closed on purpose
            raise
        finally:
            with self._ws_lock:
                self._ws = None
            ws.shutdown()

    def _expect_accepted(self, ws: websocket.WebSocket) -> None:
        try:
            opcode, data = ws.recv_data()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError(
                f"the server sent no 'connect' frame within {self.connect_timeout:g} s"
            ) from None
        frame = _json_object(data) if opcode in _DATA_OPCODES else None
        if frame is None or frame.get("command") != "connect":
            raise ConnectionError(
                "the server did not open with a 'connect' frame (is this a WSMessageBroker?)"
            )
        code = str(frame.get("response_code"))
        if code != "00":
            text = str(frame.get("response_text"))[:40]
            user = str(self.settings.get("username") or "")[:64]
            raise CredentialsRejected(
                f"credentials rejected by the server for user {user!r} "
                f"(response_code {code!r}, {text!r})"
            )

    def _receive(self, ws: websocket.WebSocket) -> None:
        ws.settimeout(min(self.poll, self.ping_interval))
        last_ping = time.monotonic()
        unanswered_since: float | None = None
        while not self.stopping.is_set() and not self.switching.is_set():
            now = time.monotonic()
            if now - last_ping >= self.ping_interval:
                ws.ping()
                last_ping = now
                if unanswered_since is None:
                    unanswered_since = now
            try:
                opcode, data = ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                if (
                    unanswered_since is not None
                    and time.monotonic() - unanswered_since > self.pong_timeout
                ):
                    raise ConnectionError(
                        f"no answer to a ping within {self.pong_timeout:g} s: connection dead"
                    ) from None
                continue
            unanswered_since = None  # any frame proves the connection alive
            if opcode == ABNF.OPCODE_CLOSE:
                raise ConnectionError("the server closed the connection")
            if opcode in _DATA_OPCODES and not _is_connect_frame(data):
                self.dispatch_async(data, self._completion, answered=self.outgoing.reply)

    # -- completion (worker threads) ----------------------------------------------------------
    def _completion(self, replies: list[Reply]) -> None:
        """Say when a command still waiting for a modem or quota was given up."""
        later = sum(1 for reply in replies if retry_later(reply))
        if later:
            why = "the feeder stopped" if self.stopping.is_set() else "too many tries"
            log.warning("ws feeder: %d command(s) waiting for a modem or quota given up (%s)",
                        later, why)  # fmt: skip


def _json_object(data: bytes | str) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _is_connect_frame(data: bytes | str) -> bool:
    """The server's own ``connect`` answer (never a message to send)."""
    marked = b'"connect"' in data if isinstance(data, bytes) else '"connect"' in data
    if not marked:
        return False
    frame = _json_object(data)
    return frame is not None and frame.get("command") == "connect"


def probe(settings: Mapping[str, Any], timeout: float = 5.0) -> str | None:
    """Try ``settings`` (the ``feeders.ws.*`` values without the prefix) once.

    Connects with the credentials and reads the server's ``connect`` frame, without
    registering as a receiver (so no message can be taken from the channel). Returns None
    when the server accepted the credentials, else the precise reason.
    """
    url = str(settings.get("url") or "")
    user = str(settings.get("username") or "")
    token = base64.b64encode(f"{user}:{settings.get('password') or ''}".encode()).decode("ascii")
    ws = websocket.WebSocket(skip_utf8_validation=True)
    try:
        ws.connect(url, header=[f"Authorization: Basic {token}"], timeout=timeout)
        opcode, data = ws.recv_data()
        frame = _json_object(data) if opcode in _DATA_OPCODES else None
        if frame is None or frame.get("command") != "connect":
            text = _(
                "{url}: the server did not open with a 'connect' frame (is this a WSMessageBroker?)"
            )
            return text.format(url=url)
        code = str(frame.get("response_code"))
        if code != "00":
            text = str(frame.get("response_text"))[:40]
            why = _("{url}: credentials rejected by the server for user {user} ({details})")
            return why.format(
                url=url, user=repr(user[:64]), details=f"response_code {code!r}, {text!r}"
            )
        return None
    except (websocket.WebSocketTimeoutException, TimeoutError):
        return _("{url}: no answer within {seconds} s").format(url=url, seconds=f"{timeout:g}")
    except websocket.WebSocketBadStatusException as exc:
        text = _("{url}: the server refused the WebSocket upgrade (HTTP {status})")
        return text.format(url=url, status=exc.status_code)
    except websocket.WebSocketAddressException as exc:
        text = _("{url}: the host name cannot be resolved ({error})")
        return text.format(url=url, error=exc)
    except ConnectionRefusedError:
        return _("{url}: connection refused (nothing listens on that port)").format(url=url)
    except (websocket.WebSocketException, OSError, ValueError) as exc:
        return f"{url}: {type(exc).__name__}: {exc}"[:300]
    finally:
        with contextlib.suppress(Exception):
            ws.close(timeout=1)
        ws.shutdown()
