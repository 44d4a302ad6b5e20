"""An answer sent before the request's body was read still reaches the client (cheroot's
plain close would reset the connection and take the answer with it)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from otpbroker.web.body_limit import limit_body
from otpbroker.web.server import HttpServer, UnixHttpServer

BODY = b"[" * 100_000


def _echo_length(environ, start_response):
    answer = str(len(environ["wsgi.input"].read())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]


APP = limit_body(_echo_length, 1024)


@pytest.fixture
def tcp_server() -> Iterator[tuple[str, int]]:
    server = HttpServer(APP, "127.0.0.1", 0, threads=4)
    server.start()
    yield server.bound_address
    server.stop()


@pytest.fixture
def unix_server(tmp_path) -> Iterator[str]:
    path = str(tmp_path / "app.sock")
    server = UnixHttpServer(APP, path, "http", threads=4)
    server.start()
    yield path
    server.stop()


def _post(sock: socket.socket, length: int, body: bytes) -> None:
    head = f"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode()
    sock.sendall(head + body)


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


def test_an_early_413_over_tcp_survives_the_unread_body(tcp_server):
    for _ in range(20):
        with socket.create_connection(tcp_server) as sock:
            _post(sock, len(BODY), BODY)
            time.sleep(0.05)  # the app has answered and closed by now
            assert _read_all(sock).startswith(b"HTTP/1.1 413 ")


def test_an_early_413_over_a_unix_socket_survives_the_unread_body(unix_server):
    for _ in range(20):
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(unix_server)
            _post(sock, len(BODY), BODY)
            time.sleep(0.05)
            assert _read_all(sock).startswith(b"HTTP/1.1 413 ")


def test_a_body_that_never_comes_costs_a_bounded_linger(tcp_server):
    with socket.create_connection(tcp_server) as sock:
        _post(sock, len(BODY), b"")
        assert _read_all(sock).startswith(b"HTTP/1.1 413 ")  # the answer, then our end


def test_a_read_body_keeps_the_connection_alive(tcp_server):
    with socket.create_connection(tcp_server) as sock:
        for _ in range(3):
            _post(sock, 10, b"0123456789")
            sock.settimeout(10)
            answer = b""
            while not answer.endswith(b"\r\n\r\n10"):
                data = sock.recv(65536)
                assert data, f"the connection closed after {answer!r}"
                answer += data
            assert answer.startswith(b"HTTP/1.1 200 ")
