"""The hostile-client rig counts what the server did: a connection the server closed or
answered is not counted as held, so ``test_hostile_clients`` cannot pass on connections that
were silently dropped. A plain TCP server here closes every other connection it accepts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from hostile_clients import IDLE, STALLED, HostileCrowd

COUNT = 40


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[socket.socket]]]:
    """A listening socket and the connections it accepted (the test decides their fate)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=COUNT * 2)
    accepted: list[socket.socket] = []
    yield listener, accepted
    for connection in accepted:
        connection.close()
    listener.close()


def accept(listener: socket.socket, count: int, accepted: list[socket.socket]) -> None:
    listener.settimeout(10)
    for _ in range(count):
        accepted.append(listener.accept()[0])


def test_connections_the_server_closes_or_answers_are_not_held(server):
    listener, accepted = server
    crowd = HostileCrowd(*listener.getsockname())
    try:
        assert crowd.open(COUNT, STALLED, timeout=10)["held"] == COUNT
        accept(listener, COUNT, accepted)
        assert crowd.census()["held"] == COUNT
        for index, connection in enumerate(accepted):
            if index % 4 == 0:
                connection.close()
            elif index % 4 == 1:
                connection.sendall(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
        assert crowd.census() == {"held": COUNT // 2, "closed": COUNT // 2, "failed": 0,
                                  "unfinished": 0}  # fmt: skip
    finally:
        crowd.close()


def test_idle_connections_are_held_only_once_their_answer_is_whole(server):
    listener, accepted = server
    crowd = HostileCrowd(*listener.getsockname())
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    sources = set()

    def answer_each() -> None:
        accept(listener, COUNT, accepted)
        for index, connection in enumerate(accepted):
            sources.add(connection.getpeername()[0])
            assert connection.recv(4096).startswith(b"GET /login HTTP/1.1\r\n")
            connection.sendall(answer if index % 2 else answer[:-2])  # half stay incomplete

    answering = threading.Thread(target=answer_each)
    answering.start()
    try:
        opened = crowd.open(COUNT, IDLE, timeout=3)
        answering.join(10)
        assert opened == {"held": COUNT // 2, "reading": COUNT // 2}
        assert sources == {f"127.0.1.{n}" for n in range(1, 11)}
    finally:
        crowd.close()
