"""The front (a real haproxy) before cheroot, through ``Listeners`` in this process.

The app behind it is a small bottle app that echoes what it sees, so the tests show what the
front forwards: the client's address (from its own source address, never from a header it
sent), the public port and scheme, and the refusals the front answers itself (slow clients,
a client over its connection cap, a full queue) in the API's JSON reply shape.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bottle
import pytest

from otpbroker.domain.front import FrontLimits
from otpbroker.system import tls
from otpbroker.system.haproxy_front import FrontSupervisor
from otpbroker.system.runtime_dir import private_directory
from otpbroker.web.listener_plan import ListenerPlan, TlsFiles
from otpbroker.web.listeners import API_SLOTS, Listeners

STREAM_PATH = "/admin-api/monitor/stream"


def echo_app() -> bottle.Bottle:
    app = bottle.Bottle()

    @app.get("/echo")
    def echo() -> dict:
        request = bottle.request
        return {"remote": request.remote_addr, "scheme": request.urlparts.scheme,
                "port": request.environ["SERVER_PORT"]}  # fmt: skip

    @app.get("/slow")
    def slow() -> str:
        time.sleep(float(bottle.request.query.get("s", "1")))
        return "done"

    @app.post("/upload")
    def upload() -> str:
        if bottle.request.content_length > 50_000:  # refused from the headers, never read
            raise bottle.HTTPResponse("too large", 413)
        return str(len(bottle.request.body.read()))

    @app.get("/gaps")
    def gaps() -> Iterator[bytes]:  # events further apart than a short request time-out
        bottle.response.content_type = "text/event-stream"
        for n in range(3):
            yield f": beat {n}\n\n".encode()
            time.sleep(2.5)

    @app.get(STREAM_PATH)
    def stream() -> Iterator[bytes]:
        bottle.response.content_type = "text/event-stream"
        yield b"event: hello\ndata: {}\n\n"
        for _ in range(50):
            time.sleep(0.1)
            yield b": keep-alive\n\n"

    return app


class Front:
    """Listeners with their real haproxy, the supervisor kept for the tests."""

    def __init__(self, tls_folder: Path) -> None:
        tls.ensure_self_signed(tls_folder, ["localhost"])
        self.folder = tls_folder
        self.supervisors: list[FrontSupervisor] = []
        self.listeners = Listeners(echo_app(), self.tls_files, self.supervisor,
                                   lambda: private_directory("ft-"))  # fmt: skip

    def tls_files(self) -> TlsFiles:
        cert = tls.cert_path(self.folder)
        return TlsFiles(str(cert), str(tls.key_path(self.folder)), cert.stat().st_mtime_ns)

    def supervisor(self, directory: Path) -> FrontSupervisor:
        self.supervisors.append(FrontSupervisor(directory, restart_first=0.2))
        return self.supervisors[-1]

    def port(self, scheme: str) -> int:
        status = {s.scheme: s for s in self.listeners.statuses()}[scheme]
        assert status.state == "listening", status
        assert status.bound_port is not None
        return status.bound_port


@pytest.fixture
def front(tmp_path) -> Iterator[Front]:
    rig = Front(tmp_path / "tls")
    yield rig
    rig.listeners.close()


def serve(front: Front, http: int | None = 0, https: int | None = None, **limits) -> None:
    statuses = front.listeners.apply(ListenerPlan("127.0.0.1", http, https, FrontLimits(**limits)))
    assert all(s.state in ("listening", "off") for s in statuses), statuses


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))


def get(port: int, path: str, *, https: bool = False, source: str = "127.0.0.1",
        headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:  # fmt: skip
    if https:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=30, context=context, source_address=(source, 0)
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                          source_address=(source, 0))  # fmt: skip
    with contextlib.closing(conn):
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response


def answer(sock: socket.socket) -> tuple[int, str]:
    """The status and body of the next response on ``sock``."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read().decode()


def test_the_app_sees_the_client_not_what_the_client_claims(front):
    serve(front, 0, 0)
    spoof = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Port": "1", "Forwarded": "for=x"}
    for scheme in ("http", "https"):
        port = front.port(scheme)
        status, body, _ = get(port, "/echo", https=scheme == "https", source="127.0.0.2",
                              headers=spoof)  # fmt: skip
        assert status == 200
        assert json.loads(body) == {"remote": "127.0.0.2", "scheme": scheme, "port": str(port)}


def test_headers_sent_too_slowly_are_answered_408_and_a_slow_body_408_json(front):
    serve(front, request_timeout=1)
    port = front.port("http")
    with connect(port) as slow:
        slow.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n")  # and never the end of the headers
        assert answer(slow)[0] == 408  # haproxy 2.6 answers this one with its own HTML page
    with connect(port) as slow:
        slow.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        status, body = answer(slow)
    assert status == 408 and json.loads(body)["response_code"] == "1111"
    assert get(port, "/echo")[0] == 200  # the others are served all along


def test_a_large_declared_body_reaches_the_app_at_once_a_small_one_whole(front):
    """The app refuses an oversized body from its headers: the front does not wait for it."""
    serve(front, request_timeout=300)  # longer than the client waits (30 s)
    port = front.port("http")
    with connect(port) as sock:
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100000\r\n\r\n"
        )
        assert answer(sock)[0] == 413
    with connect(port) as sock:  # a small body sent in two pieces arrives whole
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Content-Length: 20\r\n\r\n0123456789")  # fmt: skip
        time.sleep(0.3)
        sock.sendall(b"0123456789")
        assert answer(sock) == (200, "20")


def test_a_client_over_its_connection_cap_is_refused_429_others_are_not(front):
    serve(front, max_connections_per_client=3)
    port = front.port("http")
    held = [connect(port, "127.0.0.3") for _ in range(3)]
    try:
        assert get(port, "/echo", source="127.0.0.4")[0] == 200  # another address
        status, body, response = get(port, "/echo", source="127.0.0.3")
        assert status == 429 and response.getheader("Retry-After") == "10"
        assert json.loads(body)["response_code"] == "1109"
    finally:
        for sock in held:
            sock.close()
    for _ in range(50):  # the front counts the closed ones out
        if get(port, "/echo", source="127.0.0.3")[0] == 200:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the client stayed refused after closing its connections")


def test_requests_beyond_the_app_s_slots_wait_then_get_503_json(front):
    serve(front, queue_timeout=1)
    port = front.port("http")
    results: list[int] = []
    busy = [threading.Thread(target=lambda: results.append(get(port, "/slow?s=4")[0]))
            for _ in range(API_SLOTS)]  # fmt: skip
    for thread in busy:
        thread.start()
    time.sleep(0.5)  # every slot taken
    status, body, _ = get(port, "/echo")
    assert status == 503 and json.loads(body)["response_code"] == "1110"
    for thread in busy:
        thread.join(30)
    assert results == [200] * API_SLOTS


def test_an_event_stream_flows_through_the_front(front):
    serve(front)
    with connect(front.port("http")) as sock:
        sock.sendall(f"GET {STREAM_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        seen = b""
        while b"event: hello" not in seen:
            chunk = sock.recv(4096)
            assert chunk, seen
            seen += chunk
    assert b"text/event-stream" in seen


def test_stalled_clients_do_not_stop_the_api(front):
    """60 clients that send part of their headers and stall: the API still answers."""
    serve(front, max_connections_per_client=100)
    port = front.port("http")
    stalled = [connect(port, "127.0.0.5") for _ in range(60)]
    try:
        for sock in stalled:
            sock.sendall(b"POST /api/sms HTTP/1.1\r\nHost: x\r\n")
        for _ in range(5):
            assert get(port, "/echo", source="127.0.0.6")[0] == 200
    finally:
        for sock in stalled:
            sock.close()


def test_a_port_change_moves_the_listener_without_dropping_a_request_in_flight(front):
    first = socket.create_server(("127.0.0.1", 0))
    old_port = first.getsockname()[1]
    first.close()
    serve(front, old_port)
    result: list[tuple] = []
    in_flight = threading.Thread(target=lambda: result.append(get(old_port, "/slow?s=2")[:2]))
    in_flight.start()
    time.sleep(0.5)
    serve(front, 0)  # a free port: the listener moves
    new_port = front.port("http")
    assert new_port != old_port
    assert get(new_port, "/echo")[0] == 200
    in_flight.join(30)
    assert result == [(200, b"done")]
    with pytest.raises(ConnectionRefusedError):
        for _ in range(50):  # the old haproxy lets the old port go once its request is done
            connect(old_port).close()
            time.sleep(0.1)


def test_a_killed_haproxy_is_started_again_and_serves(front):
    serve(front, 0, 0)
    supervisor = front.supervisors[-1]
    first = supervisor.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    for _ in range(100):
        if supervisor.pid not in (None, first):
            break
        time.sleep(0.1)
    assert supervisor.pid not in (None, first) and supervisor.restarts == 1
    assert get(front.port("http"), "/echo")[0] == 200
    assert get(front.port("https"), "/echo", https=True)[0] == 200


def test_a_replaced_certificate_is_served_by_a_new_haproxy(front):
    serve(front, None, 0)
    supervisor = front.supervisors[-1]
    first = supervisor.pid
    tls.regenerate_self_signed(front.folder, ["localhost"])
    serve(front, None, 0)  # as the listeners' thread does when told of the change
    assert supervisor.pid != first
    context = ssl.create_default_context(cafile=tls.cert_path(front.folder))
    context.check_hostname = False
    for _ in range(50):  # the old haproxy may take a connection while it stops
        raw = socket.create_connection(("127.0.0.1", front.port("https")), timeout=30)
        try:
            with context.wrap_socket(raw):  # verified against the new certificate
                return
        except ssl.SSLCertVerificationError:
            raw.close()
            time.sleep(0.1)
    raise AssertionError("the new certificate was never served")
