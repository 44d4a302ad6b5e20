"""The front's client time-out and hard per-address cap (a real haproxy before cheroot).

A client that stops sending (a half TLS handshake, which gets no HTTP answer at all) is
closed after ``front.request_timeout_seconds``; the same time-out never cuts a client that
is only waiting for the app's answer or for the monitor's next event; and one address cannot
hold more than four times its cap, even with connections that never send a request.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from test_front import Front, answer, connect, get, serve

from otpbroker.system.render_haproxy import HARD_CAP_FACTOR


@pytest.fixture
def front(tmp_path) -> Iterator[Front]:
    rig = Front(tmp_path / "tls")
    yield rig
    rig.listeners.close()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the peer closes ``sock`` (EOF or reset) within ``seconds``."""
    sock.settimeout(seconds)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_half_tls_handshake_is_closed_after_the_request_time_out(front: Front):
    serve(front, None, 0, request_timeout=1)
    with connect(front.port("https")) as half:
        half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's start
        assert closed_within(half, 20)


def test_waiting_for_the_app_or_for_the_next_event_is_not_client_inactivity(front: Front):
    serve(front, request_timeout=1)
    port = front.port("http")
    assert get(port, "/slow?s=3")[:2] == (200, b"done")  # 3 s of the app's own work
    with connect(port) as sock:
        sock.sendall(b"GET /gaps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, body = answer(sock)
    assert status == 200 and body.count(": beat") == 3


def test_one_address_cannot_hold_more_than_four_times_its_cap(front: Front):
    cap, extra = 3, 3
    serve(front, max_connections_per_client=cap)
    port = front.port("http")
    # haproxy accepts on two threads, so which of them is refused is not fixed: how many is
    opened = [connect(port, "127.0.0.7") for _ in range(cap * HARD_CAP_FACTOR + extra)]
    try:
        deadline = time.monotonic() + 10
        closed: set[int] = set()
        while len(closed) < extra and time.monotonic() < deadline:
            closed |= {n for n, sock in enumerate(opened) if closed_within(sock, 0.05)}
        assert len(closed) == extra
        time.sleep(0.5)  # and no more than those
        assert not any(closed_within(s, 0.01) for n, s in enumerate(opened) if n not in closed)
        assert get(port, "/echo", source="127.0.0.8")[0] == 200  # another address is served
    finally:
        for sock in opened:
            sock.close()
