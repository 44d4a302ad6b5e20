"""A real HTTP receiver of webhooks on loopback, in a thread: it records every POST (headers,
body) and answers as the test says: ``ok`` (204), a status code, or ``hang`` (never answers
until released). It can be stopped (its port closed: the receiver is down) and started
again on the same port."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One POST as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        """The JSON body."""
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        """The X-OTPB-Event-Id header."""
        return self.headers["x-otpb-event-id"]


class WebhookReceiver:
    """Records POSTs; ``answer`` is ``"ok"``, an HTTP status code, or ``"hang"``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.answer: str | int = "ok"
        self.received: list[Received] = []
        self.hanging = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The URL to post to."""
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> WebhookReceiver:
        """Listen (on the same port as before after a stop)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body))
                    answer = receiver.answer
                if answer == "hang":
                    with receiver._lock:
                        receiver.hanging += 1
                    receiver.release.wait(60)
                    answer = "ok"
                self.send_response(204 if answer == "ok" else int(answer))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port (the receiver is down); hanging requests are released."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def snapshot(self) -> list[Received]:
        """Every POST so far."""
        with self._lock:
            return list(self.received)


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
