"""Test servers for the WSMessageBroker feeder.

``WsBroker`` behaves as the original PHP Ratchet WSMessageBroker (SPEC "Interfaces"; its
``MessageBroker`` class and shipped ``config.ini``):

- HTTP Basic auth against ``users`` (user name -> plain password); URL path and query ignored;
- first frame ``{"command":"connect","response_code":"00","response_text":"Accepted",
  "data":[{"time_stamp":..}]}``, or ``"01"``/``"Rejected"`` on bad credentials -- without
  closing; a rejected connection is never forwarded to, and its frames are never forwarded;
- ``receive-message`` makes the connection a receiver of the frame's ``channel``;
- ``send-message`` is forwarded verbatim, with no acknowledgement to anybody, to at most
  ``number_of_receiver`` receivers of its channel (2 as shipped; 0: every one), the oldest
  connections first; a frame's own ``number_of_receiver`` field overrides it for that frame
  (its absolute value; a value that is not a number counts as 0). The sending connection
  becomes a "sender";
- ``ping`` is answered with a ``connect`` frame and silently turns a receiver back into a
  plain client (so it receives nothing any more); any other command does the same, unanswered;
- a frame that reached no receiver is lost, unless ``keep_data`` is on (the shipped
  configuration turns it on, with a MySQL database; here it is opt-in, an SQLite file in
  ``data_dir``, a temporary folder when none is given): then each item of its ``data`` is
  kept as its own row -- also when the sender was rejected, as the original checks the
  credentials only when forwarding. When a connection registers as a receiver of the channel
  (whether or not its credentials were accepted, as in the original) the kept items are
  taken from the database and sent to it oldest first, ``record_limit`` items per frame (1
  as shipped), each frame a new ``{"command":"send-message","channel":..,"data":[..]}``,
  ``delay_send`` seconds apart (0.03 as shipped; 0 here unless asked) during which the
  server does nothing else. A kept item is deleted as it is read, before it is sent.

``drop_all()`` ends every connection at the TCP level (FIN after the data already sent, no
close frame), like a server restart; frames arriving on a dropped connection are ignored. ``forwarded`` records what went to which receiver connection, so a test can tell
which frames were handed to a consumer and which were lost by protocol design.

``SilentServer`` accepts the upgrade, sends ``connect`` 00, then never answers anything:
a connection that died without the client noticing.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve
from ws_broker_store import KeptItems, kept_items, receiver_limit


def connect_frame(code: str) -> str:
    """The server's ``connect`` answer."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    text = {"00": "Accepted", "01": "Rejected"}[code]
    return json.dumps(
        {
            "command": "connect",
            "response_code": code,
            "response_text": text,
            "data": [{"time_stamp": stamp}],
        }
    )


@dataclass
class Peer:
    """What the server knows about one connection."""

    number: int
    valid: bool
    kind: str = "client"
    channel: Any = None


class WsBroker:
    """A WSMessageBroker on 127.0.0.1 and a free port, served by a background thread."""

    def __init__(
        self,
        users: dict[str, str],
        keep_data: bool = False,
        data_dir: Path | None = None,
        number_of_receiver: int = 2,
        record_limit: int = 1,
        delay_send: float = 0.0,
    ) -> None:
        self.users = dict(users)
        self.keep_data = keep_data
        self.number_of_receiver = number_of_receiver
        self.record_limit = record_limit
        self.delay_send = delay_send
        self.store = KeptItems(data_dir) if keep_data else None
        """Where items of frames that reached no receiver are kept (``keep_data``)."""
        self._lock = threading.Lock()
        self._peers: dict[ServerConnection, Peer] = {}
        self._numbers = itertools.count(1)
        self.forwarded: list[tuple[int, str | bytes]] = []
        """(receiver connection number, frame) for every frame handed to a receiver."""
        self.unrouted = 0
        """send-message frames that reached no receiver (lost, or kept with ``keep_data``)."""
        self.connections = 0
        self._server = serve(
            self._handle, "127.0.0.1", 0, compression=None, ping_interval=None, max_size=2**22
        )
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ws-broker", daemon=True
        )

    @property
    def url(self) -> str:
        """A URL for the server; path and query are ignored, as by the original."""
        return f"ws://127.0.0.1:{self.port}/any/path?ignored=1"

    @property
    def kept(self) -> dict[Any, list[Any]]:
        """Items kept for a channel without receivers (``keep_data``), oldest first."""
        if self.store is None:
            return {}
        with self._lock:
            return self.store.all()

    def start(self) -> WsBroker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop_all()
        self._server.shutdown()
        self._thread.join(5)
        if self.store is not None:
            with self._lock:
                self.store.close()

    # -- inspection and faults -----------------------------------------------------------------
    def receivers(self, channel: str) -> list[int]:
        """Connection numbers registered as receivers of ``channel``."""
        with self._lock:
            return [
                p.number
                for p in self._peers.values()
                if p.valid and p.kind == "receiver" and p.channel == channel
            ]

    def wait_receivers(self, channel: str, count: int = 1, timeout: float = 10.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.receivers(channel)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{count} receiver(s) of {channel!r} expected, have {found}")

    def push(self, channel: str, message: str | bytes) -> None:
        """Test hook: hand ``message`` to the receivers of ``channel`` as a misbehaving server
        would (the real one forwards only frames it could decode)."""
        with self._lock:
            self._forward(message, {}, channel, sender_valid=True)

    def drop_all(self) -> None:
        """End every connection at once (TCP FIN; no WebSocket close frame)."""
        with self._lock:
            conns = list(self._peers)
            for peer in self._peers.values():
                peer.kind = "dropped"
            for conn in conns:
                with contextlib.suppress(OSError):
                    conn.socket.shutdown(socket.SHUT_WR)

    # -- the protocol ----------------------------------------------------------------------------
    def _valid(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except ValueError:
            return False
        return user in self.users and self.users[user] == password

    def _handle(self, conn: ServerConnection) -> None:
        assert conn.request is not None
        peer = Peer(next(self._numbers), self._valid(conn.request.headers.get("Authorization")))
        with self._lock:
            self._peers[conn] = peer
            self.connections += 1
        try:
            conn.send(connect_frame("00" if peer.valid else "01"))
            for message in conn:
                self._on_message(conn, peer, message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._peers.pop(conn, None)

    def _on_message(self, conn: ServerConnection, peer: Peer, message: str | bytes) -> None:
        try:
            frame = json.loads(message)
        except (ValueError, RecursionError):  # PHP's json_decode gives null
            frame = None
        frame = frame if isinstance(frame, dict) else {}
        command, channel = frame.get("command"), frame.get("channel")
        with self._lock:
            if peer.kind == "dropped":
                return
            peer.kind = {"receive-message": "receiver", "send-message": "sender"}.get(
                command, "client"
            )
            peer.channel = channel
            if command == "send-message":
                self._forward(message, frame, channel, peer.valid)
            if command == "receive-message":
                self._replay(conn, peer, channel)
        if command == "ping":
            conn.send(connect_frame("00"))

    def _forward(
        self, message: str | bytes, frame: dict[str, Any], channel: Any, sender_valid: bool
    ) -> None:
        """Called with the lock held: hand the frame to the first ``number_of_receiver``
        receivers of ``channel`` (none for a rejected sender); keep its items when it reached
        none (``keep_data``)."""
        limit = receiver_limit(frame, self.number_of_receiver)
        sent = 0
        for conn, peer in list(self._peers.items()) if sender_valid else []:
            if peer.valid and peer.kind == "receiver" and peer.channel == channel:
                try:
                    conn.send(message)
                except (ConnectionClosed, OSError):
                    continue
                self.forwarded.append((peer.number, message))
                sent += 1
                if limit > 0 and sent >= limit:
                    break
        if not sent:
            self.unrouted += 1
            if self.store is not None:
                self.store.add(channel, kept_items(frame))

    def _replay(self, conn: ServerConnection, peer: Peer, channel: Any) -> None:
        """Called with the lock held: hand the kept items of ``channel`` to a new receiver,
        ``record_limit`` per frame, ``delay_send`` apart."""
        left = 1
        while self.store is not None and left:
            items, left = self.store.take(channel, self.record_limit)
            if not items:
                return
            message = json.dumps({"command": "send-message", "channel": channel, "data": items})
            conn.send(message)
            self.forwarded.append((peer.number, message))
            if left and self.delay_send > 0:
                time.sleep(self.delay_send)


class SilentServer:
    """Completes the upgrade and sends ``connect`` 00, then never answers again."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.accepted = 0
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, name="ws-silent", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> SilentServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._listener.close()
        for conn in self._conns:
            conn.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            self.accepted += 1
            threading.Thread(target=self._upgrade, args=(conn,), daemon=True).start()

    @staticmethod
    def _upgrade(conn: socket.socket) -> None:
        request = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            magic = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
            accept = base64.b64encode(hashlib.sha1(key + magic, usedforsecurity=False).digest())
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            payload = connect_frame("00").encode()
            conn.sendall(bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload)
            while conn.recv(4096):  # read and ignore everything, pings included
                pass


def every_feeder_settings(queue: str, topic: str, ws_url: str) -> dict[str, object]:
    """Settings that turn on all three feeders: RabbitMQ ``queue`` and MQTT ``topic`` on this
    machine (guest account, a fresh client id), the WS broker at ``ws_url`` as ``device``
    (password ``ws-secret``, channel ``sms``)."""
    return {
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": queue,
        "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1", "feeders.mqtt.topic": topic,
        "feeders.mqtt.client_id": f"otpb-{uuid.uuid4().hex[:12]}",
        "feeders.ws.enabled": True, "feeders.ws.url": ws_url, "feeders.ws.username": "device",
        "feeders.ws.password": "ws-secret", "feeders.ws.channel": "sms",
    }  # fmt: skip
