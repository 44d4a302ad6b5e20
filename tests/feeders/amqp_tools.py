"""Helpers for the RabbitMQ feeder tests: a droppable loopback TCP proxy, queue helpers,
and closing one connection with ``rabbitmqctl``."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pika

AMQP = ("127.0.0.1", 5672)
CREDENTIALS = pika.PlainCredentials("guest", "guest")


def rabbitmq_available() -> bool:
    """True when something answers on the loopback AMQP port."""
    try:
        with socket.create_connection(AMQP, timeout=1.0):
            return True
    except OSError:
        return False


def connect(port: int = AMQP[1]) -> pika.BlockingConnection:
    """A plain client connection (the tests' publisher / inspector)."""
    return pika.BlockingConnection(
        pika.ConnectionParameters("127.0.0.1", port, credentials=CREDENTIALS, heartbeat=30)
    )


def unique_queue(prefix: str = "otpb-test") -> str:
    """A queue name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A loopback port nobody listens on (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Publisher:
    """One channel on its own connection; publishes JSON or raw bytes to a queue."""

    def __init__(self) -> None:
        self.connection = connect()
        self.channel = self.connection.channel()

    def publish(self, queue: str, body: Any, **properties: Any) -> None:
        """Persistent publish to the default exchange; dicts and lists become JSON."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        props = pika.BasicProperties(delivery_mode=2, **properties)
        self.channel.basic_publish("", queue, raw, props)

    def ready(self, queue: str) -> int:
        """Messages ready in ``queue`` (unacknowledged ones are not counted)."""
        return self.channel.queue_declare(queue, passive=True).method.message_count

    def get_all(self, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
        """Take every ready message of ``queue`` (acknowledged)."""
        found = []
        while True:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return found
            found.append((properties, body))

    def delete(self, queues: Iterable[str]) -> None:
        """Delete queues (missing ones are fine)."""
        for queue in queues:
            self.channel.queue_delete(queue)

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.connection.close()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until it is truthy; AssertionError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class TcpProxy:
    """A threaded loopback TCP proxy to RabbitMQ whose connections can be cut abruptly.

    ``listener``: where to listen (default a free loopback port), e.g. a socket made inside
    a network namespace; ``clients`` are the source addresses of its connections, in order.
    """

    def __init__(
        self, target: tuple[str, int] = AMQP, listener: socket.socket | None = None
    ) -> None:
        self.target = target
        self._listener = listener or socket.create_server(("127.0.0.1", 0))
        self.clients: list[str] = []
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.accepted = 0
        self._closed = False
        self._dropped: set[socket.socket] = set()
        self._frozen: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, address = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._closed:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
                self.accepted += 1
                self.clients.append(address[0])
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy one direction; on its end wake the other direction, close only ``source``.

        (A socket closed while another thread reads it stays open in the kernel until that
        read returns, so each pump closes only the socket it reads.)
        """
        try:
            while data := source.recv(65536):
                if source not in self._frozen:
                    sink.sendall(data)
        except OSError:
            pass
        if source in self._frozen and source not in self._dropped:
            return  # a dead link passes nothing on, not even a goodbye
        if source not in self._dropped:  # one side closed: pass the goodbye on
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        source.close()

    def drop(self) -> int:
        """Reset every open connection (RST, no goodbye); returns how many pairs.

        SO_LINGER 0 on every socket first, then SHUT_RD (which sends nothing) wakes the
        pumps, and each pump's close sends RST.
        """
        with self._lock:
            sockets, self._sockets = self._sockets, []
            self._dropped.update(sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        return len(sockets) // 2

    def freeze(self) -> None:
        """Silently stop forwarding on every open connection, closing nothing: a link that
        died without a word (only heartbeats can notice)."""
        with self._lock:
            self._frozen.update(self._sockets)

    def cut_frozen(self) -> int:
        """Reset the frozen connections only (the server finally notices the dead link);
        returns how many sockets."""
        with self._lock:
            frozen = [sock for sock in self._sockets if sock in self._frozen]
            self._sockets = [sock for sock in self._sockets if sock not in self._frozen]
            self._dropped.update(frozen)
        for sock in frozen:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        for sock in frozen:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        return len(frozen)

    def close(self) -> None:
        """Stop listening and drop everything."""
        with self._lock:
            self._closed = True
        self._listener.close()
        self.drop()


def rabbitmqctl() -> str | None:
    """The ``rabbitmqctl`` path, or None."""
    return shutil.which("rabbitmqctl")


def connection_pids(name: str) -> list[str]:
    """The server-side pids of the connections whose ``connection_name`` is ``name``."""
    ctl = rabbitmqctl()
    assert ctl is not None
    listing = subprocess.run(
        [ctl, "-q", "list_connections", "--no-table-headers", "pid", "client_properties"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    pids = []
    for line in listing.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if f'{{"connection_name","{name}"}}' in properties:
            pids.append(pid)
    return pids


def close_connection(pid: str, reason: str = "test") -> None:
    """Close one connection from the server side.

    Only that connection: other engineers' tests share this RabbitMQ, and
    ``close_all_connections`` would cut theirs (and our publisher) too.
    """
    ctl = rabbitmqctl()
    assert ctl is not None
    subprocess.run([ctl, "-q", "close_connection", pid, reason],
                   capture_output=True, timeout=60, check=True)  # fmt: skip
