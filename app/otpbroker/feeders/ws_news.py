"""What the WSMessageBroker feeder sends back: replies, status events, received SMS.

Each goes to the ``status_channel`` (empty: none) as the protocol's own frame,
``{"command":"send-message","channel":<status_channel>,"data":[<body>]}``, which the server
forwards to the receivers of that channel. It is sent on a second connection of its own:
on the WSMessageBroker a connection that sends ``send-message`` becomes a sender and stops
receiving, so the feeder's receiving connection never sends one.

The sender runs on its own thread: workers and bus listeners only queue (at most
``MAX_WAITING``; beyond, a body is dropped, counted and logged). It connects when there is
something to send, keeps the connection with WebSocket pings, and after a failure waits
(``delays``) before connecting again; what is queued meanwhile waits. By protocol design a
frame that reaches no receiver is lost (or kept by a server with ``keep_data``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import websocket

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.replies import reply_body
from otpbroker.services.replies import Reply

if TYPE_CHECKING:
    from otpbroker.feeders.base import Feeder

log = logging.getLogger(__name__)

MAX_WAITING = 10_000
"""Bodies queued for the sender, at most."""

Opener = Callable[[], websocket.WebSocket]
"""Opens an accepted connection (credentials sent, ``connect`` frame checked)."""


class WsNews:
    """The WSMessageBroker feeder's sender of replies and status."""

    delays = (1.0, 2.0, 5.0, 10.0, 30.0)
    ping_interval = 20.0

    def __init__(self, feeder: Feeder, opener: Opener) -> None:
        """``status_channel`` from the feeder's settings; ``opener`` makes a connection."""
        self._feeder, self._opener = feeder, opener
        channel = str(feeder.settings.get("status_channel") or "").strip()
        self.status_channel = channel or None
        self._lock = threading.Lock()
        self._waiting: deque[tuple[str, dict[str, Any]]] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._renew = threading.Event()  # drop the connection before the next send
        self._ws: websocket.WebSocket | None = None
        self._thread = threading.Thread(target=self._run, name=f"{feeder.name}-status",
                                        daemon=True)  # fmt: skip

    def start(self) -> None:
        """Start the sender (when a status channel is set)."""
        if self.status_channel is not None:
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Send what is queued (within ``timeout``), then close."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._close()

    def reconnect(self) -> None:
        """Drop the connection (made over an old route) and open a new one when needed."""
        self._renew.set()
        self._wake.set()

    # -- any thread -----------------------------------------------------------------------------
    def _queue(self, what: str, body: dict[str, Any]) -> None:
        if self.status_channel is None:
            return
        with self._lock:
            full = len(self._waiting) >= MAX_WAITING
            if not full:
                self._waiting.append((what, body))
        if full:
            self._feeder.news_dropped(what, "too many waiting")
        else:
            self._wake.set()

    def reply(self, reply: Reply) -> None:
        """A command's final reply (a "try later" one too: the feeder gave it up)."""
        self._queue("reply", reply_body(reply))

    def status(self, event: StatusEvent) -> None:
        """A status event of one of this feeder's messages."""
        self._queue("status event", event.as_json())

    def inbound(self, message: InboundSms) -> None:
        """A received SMS."""
        self._queue("received SMS", message.as_json())

    def alert(self, alert: DeviceAlert) -> None:
        """A device alert."""
        self._queue("alert", alert.as_json())

    # -- the sender thread ----------------------------------------------------------------------
    def _run(self) -> None:
        failures = 0
        last_error = ""
        while True:
            self._wake.wait(self.ping_interval)
            self._wake.clear()
            try:
                self._send_waiting()
                failures, last_error = 0, ""
            except Exception as exc:  # the server is away: keep the bodies, try later
                self._close()
                error = f"{type(exc).__name__}: {exc}"[:200]
                if error != last_error:
                    log.warning("%s feeder: status channel not reachable (%s)",
                                self._feeder.name, error)  # fmt: skip
                last_error = error
                if self._stopping.is_set():
                    break
                delay = self.delays[min(failures, len(self.delays) - 1)]
                failures += 1
                self._stopping.wait(delay)
                self._wake.set()
                continue
            if self._stopping.is_set():
                break
        self._drop_rest()

    def _send_waiting(self) -> None:
        """Send every queued body, oldest first (a body is taken off once it went)."""
        if self._renew.is_set():
            self._renew.clear()
            ws, self._ws = self._ws, None
            if ws is not None:
                ws.shutdown()  # no closing handshake: the old route may be gone
        while True:
            with self._lock:
                item = self._waiting[0] if self._waiting else None
            if self._ws is not None:  # a connection the server closed: noticed before a send
                self._read_answers(self._ws)
            if item is None:
                if self._ws is not None and not self._stopping.is_set():
                    self._ws.ping()  # keeps the connection (and a NAT entry) alive
                return
            if self._ws is None:
                self._ws = self._opener()
            frame = {"command": "send-message", "channel": self.status_channel, "data": [item[1]]}
            self._ws.send(json.dumps(frame, ensure_ascii=False))
            with self._lock:
                self._waiting.popleft()
            self._feeder.news_sent()

    @staticmethod
    def _read_answers(ws: websocket.WebSocket) -> None:
        """Read what the server sent (pongs) without waiting, so it never piles up; a
        closed connection raises (and is made again when there is something to send)."""
        while ws.sock is not None and select.select([ws.sock], [], [], 0)[0]:
            opcode, _ = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionError("the server closed the status connection")

    def _drop_rest(self) -> None:
        with self._lock:
            left, self._waiting = list(self._waiting), deque()
        for what, _ in left:
            self._feeder.news_dropped(what, "the feeder stopped")

    def _close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close(timeout=1)
            ws.shutdown()


__all__ = ["MAX_WAITING", "WsNews"]
