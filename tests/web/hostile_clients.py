"""Hostile clients: many connections that hold a server's resources and send nothing more.

Three kinds:

- ``STALLED``: a few bytes of request headers (``POST /api/sms HTTP/1.1`` and a Host line),
  then nothing (a "slowloris");
- ``SLOW_BODY``: whole headers of a ``send-sms`` announcing a 300-byte body, 10 bytes of it,
  then nothing;
- ``IDLE``: one complete request, its answer read, then the connection left open;
- ``HANDSHAKE`` (TLS only): half of a real ClientHello, then nothing.

Over TLS, the first three happen inside a completed handshake. One selector loop
drives every connection (TLS through memory BIOs, so each socket stays a plain socket that
``census`` can peek at): a thousand connections need no thread each. They come from several
loopback source addresses (127.0.1.1-127.0.1.10), so a per-address cap alone cannot explain
a result; the measured, legitimate client uses 127.0.0.1.
"""

from __future__ import annotations

import errno
import resource
import selectors
import socket
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field

STALLED, SLOW_BODY, IDLE, HANDSHAKE = "stalled", "slow-body", "idle", "handshake"
PARTIAL_HEADERS = b"POST /api/sms HTTP/1.1\r\nHost: otp-broker\r\n"
PARTIAL_BODY = (
    b"POST /api/sms HTTP/1.1\r\nHost: otp-broker\r\nContent-Type: application/json\r\n"
    b'Content-Length: 300\r\n\r\n{"command"'
)
KEEP_ALIVE_REQUEST = b"GET /login HTTP/1.1\r\nHost: otp-broker\r\n\r\n"
SOURCES = tuple(f"127.0.1.{n}" for n in range(1, 11))


def spread(count: int, per_source: int) -> tuple[str, ...]:
    """At least the ten ``SOURCES``, more (127.0.1.11, ...) so that no address opens more
    than ``per_source`` of ``count`` connections."""
    needed = max(len(SOURCES), -(-count // per_source))
    return tuple(f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(needed))


def raise_open_files(wanted: int) -> None:
    """Raise the soft RLIMIT_NOFILE to ``wanted`` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def client_tls() -> ssl.SSLContext:
    """A TLS client that does not verify: an attacker does not care who answers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Hostile:
    """One hostile connection and where it stands."""

    sock: socket.socket
    kind: str
    tls: ssl.SSLObject | None = None
    incoming: ssl.MemoryBIO = field(default_factory=ssl.MemoryBIO)
    outgoing: ssl.MemoryBIO = field(default_factory=ssl.MemoryBIO)
    stage: str = "connecting"  # -> handshaking -> sending -> reading -> held | failed
    pending: bytes = b""
    answer: bytes = b""
    failure: str = ""


class HostileCrowd:
    """Opens hostile connections to ``host:port`` and holds them until ``close``."""

    def __init__(
        self, host: str, port: int, tls: bool = False, sources: tuple[str, ...] = SOURCES
    ) -> None:
        self.address = (host, port)
        self.sources = sources
        self.context = client_tls() if tls else None
        self.connections: list[Hostile] = []

    def open(self, count: int, kind: str, timeout: float = 60.0) -> Counter[str]:
        """Open ``count`` connections of ``kind`` and drive them until each is held or
        failed (or ``timeout``); the stages reached, counted."""
        if kind == HANDSHAKE and self.context is None:
            raise ValueError("a stalled handshake needs TLS")
        raise_open_files(count + len(self.connections) + 256)
        batch = [self._connect(self.sources[i % len(self.sources)], kind) for i in range(count)]
        self.connections += batch
        self._drive(batch, time.monotonic() + timeout)
        return Counter(c.stage for c in batch)

    def _connect(self, source: str, kind: str) -> Hostile:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.bind((source, 0))
        result = sock.connect_ex(self.address)
        hostile = Hostile(sock, kind)
        if result not in (0, errno.EINPROGRESS):
            self._fail(hostile, f"connect: {errno.errorcode.get(result, result)}")
        return hostile

    def _drive(self, batch: list[Hostile], deadline: float) -> None:
        """The selector loop: step each connection whenever its socket is ready."""
        with selectors.DefaultSelector() as selector:
            for hostile in batch:
                if hostile.stage != "failed":
                    selector.register(hostile.sock, selectors.EVENT_WRITE, hostile)
            while selector.get_map() and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=0.5):
                    hostile = key.data
                    self._step(hostile)
                    if hostile.stage in ("held", "failed"):
                        selector.unregister(hostile.sock)
                    else:
                        wanted = selectors.EVENT_WRITE if hostile.pending else selectors.EVENT_READ
                        selector.modify(hostile.sock, wanted, hostile)

    def _step(self, hostile: Hostile) -> None:
        try:
            if hostile.stage == "connecting":
                self._connected(hostile)
            elif hostile.pending:
                sent = hostile.sock.send(hostile.pending)
                hostile.pending = hostile.pending[sent:]
                if not hostile.pending and hostile.stage == "sending":
                    hostile.stage = "reading" if hostile.kind == IDLE else "held"
            else:
                self._receive(hostile)
        except (OSError, ssl.SSLError) as error:
            self._fail(hostile, f"{hostile.stage}: {error!r}")

    def _connected(self, hostile: Hostile) -> None:
        error = hostile.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise ConnectionError(errno.errorcode.get(error, error))
        if self.context is None:
            self._send_request(hostile)
            return
        hostile.tls = self.context.wrap_bio(hostile.incoming, hostile.outgoing)
        hostile.stage = "handshaking"
        self._handshake(hostile)

    def _handshake(self, hostile: Hostile) -> None:
        assert hostile.tls is not None
        try:
            hostile.tls.do_handshake()
        except ssl.SSLWantReadError:
            hello = hostile.outgoing.read()
            if hostile.kind == HANDSHAKE:  # half a ClientHello, and never the rest
                hostile.pending, hostile.stage = hello[: len(hello) // 2], "sending"
            else:
                hostile.pending += hello
            return
        hostile.pending += hostile.outgoing.read()
        self._send_request(hostile)

    def _send_request(self, hostile: Hostile) -> None:
        request = {STALLED: PARTIAL_HEADERS, SLOW_BODY: PARTIAL_BODY}.get(
            hostile.kind, KEEP_ALIVE_REQUEST
        )
        if hostile.tls is not None:
            hostile.tls.write(request)
            request = hostile.outgoing.read()
        hostile.pending += request
        hostile.stage = "sending"

    def _receive(self, hostile: Hostile) -> None:
        data = hostile.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        if hostile.tls is None:
            hostile.answer += data
        else:
            hostile.incoming.write(data)
            if hostile.stage == "handshaking":
                self._handshake(hostile)
                return
            hostile.answer += read_plain(hostile.tls)
        if hostile.stage == "reading" and answer_complete(hostile.answer):
            hostile.stage = "held"

    def _fail(self, hostile: Hostile, why: str) -> None:
        hostile.stage, hostile.failure = "failed", why
        hostile.sock.close()

    def census(self) -> Counter[str]:
        """How the connections stand now: ``held`` (still open, the server silent),
        ``closed`` (the server ended it or answered it, e.g. 408), ``failed`` (never
        established: refused, reset), ``unfinished`` (still opening)."""
        for hostile in self.connections:
            if hostile.stage == "held" and not self._still_open(hostile):
                hostile.stage = "closed"
        counts = Counter(c.stage for c in self.connections)
        settled = ("held", "closed", "failed")
        counts["unfinished"] = sum(n for stage, n in counts.items() if stage not in settled)
        return Counter({stage: counts[stage] for stage in (*settled, "unfinished")})

    def _still_open(self, hostile: Hostile) -> bool:
        """True while the server has neither closed nor answered: over TLS, records that
        carry no data (session tickets) do not count."""
        try:
            data = hostile.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # nothing to read: open and silent
        except OSError:
            return False  # reset
        if not data or hostile.tls is None or hostile.kind == HANDSHAKE:
            return False
        hostile.incoming.write(data)
        try:
            plain = read_plain(hostile.tls)
        except ssl.SSLError:  # close_notify, an alert
            return False
        return not plain and self._still_open(hostile)

    def failures(self, limit: int = 3) -> list[str]:
        """A few reasons why connections failed."""
        return [c.failure for c in self.connections if c.failure][:limit]

    def close(self) -> None:
        """Close every connection."""
        for hostile in self.connections:
            hostile.sock.close()
        self.connections.clear()


def read_plain(tls: ssl.SSLObject) -> bytes:
    """Every decrypted byte available now."""
    plain = b""
    while True:
        try:
            chunk = tls.read(65536)
        except ssl.SSLWantReadError:
            return plain
        if not chunk:
            return plain
        plain += chunk


def answer_complete(answer: bytes) -> bool:
    """Whether ``answer`` holds one whole HTTP response (Content-Length or chunked)."""
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return body.endswith(b"0\r\n\r\n")
