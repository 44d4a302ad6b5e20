"""One command over a socket-activated connection (``otpb-helper.socket``, ``Accept=yes``).

systemd starts ``otpb-helper --connection`` for each connection with the connection as
standard input and output. The helper reads one request (a JSON array of strings, the same
command line as the program takes, at most ``MAX_REQUEST_BYTES``, within ``READ_TIMEOUT``
seconds), checks the peer with ``SO_PEERCRED`` (root or the app's user only), runs the
command with every check of the program and writes its one JSON object back.

The environment is the unit's, never the client's: the test-only ``OTPB_HELPER_*`` variables
cannot be sent over the socket.
"""

from __future__ import annotations

import contextlib
import json
import pwd
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

APP_USER = "otpbroker"
MAX_REQUEST_BYTES = 16384
MAX_ARGUMENTS = 64
READ_TIMEOUT = 10.0
DRAIN_TIMEOUT = 1.0
DRAIN_CHUNKS = 16
STDIN = 0


def peer_uid(connection: socket.socket) -> int:
    """The uid of the process at the other end (the kernel's record, not the client's word)."""
    data = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", data)
    return int(uid)


def allowed_uids() -> set[int]:
    """Root and the app's user (when it exists here)."""
    try:
        return {0, pwd.getpwnam(APP_USER).pw_uid}
    except KeyError:
        return {0}


def check_peer(connection: socket.socket) -> None:
    """ValueError unless the peer is root or the app's user."""
    uid = peer_uid(connection)
    if uid not in allowed_uids():
        raise ValueError(f"uid {uid} may not use the helper (only root and {APP_USER})")


def read_request(connection: socket.socket, timeout: float = READ_TIMEOUT) -> list[str]:
    """The command line sent on ``connection``; ValueError when malformed, too big or late."""
    deadline = time.monotonic() + timeout
    data = b""
    while len(data) <= MAX_REQUEST_BYTES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ValueError(f"no complete request within {timeout:g} s")
        connection.settimeout(remaining)
        try:
            chunk = connection.recv(MAX_REQUEST_BYTES + 1 - len(data))
        except TimeoutError:
            raise ValueError(f"no complete request within {timeout:g} s") from None
        if not chunk:
            return decode_request(data)
        data += chunk
    raise ValueError(f"the request is over {MAX_REQUEST_BYTES} bytes")


def decode_request(data: bytes) -> list[str]:
    """A JSON array of at most ``MAX_ARGUMENTS`` strings; ValueError otherwise."""
    try:
        args = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the request is not JSON (an array of strings)") from None
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        raise ValueError("the request must be a JSON array of strings")
    if len(args) > MAX_ARGUMENTS:
        raise ValueError(f"the request has {len(args)} arguments, over {MAX_ARGUMENTS}")
    return args


def answer(connection: socket.socket, result: dict[str, Any]) -> None:
    """Write the JSON result back and end the connection (a client that left is no error).

    What the client sent beyond a refused request is read and dropped first (a bounded
    amount): closing with unread data would reset the connection before it reads the answer.
    """
    with contextlib.suppress(OSError):
        connection.settimeout(READ_TIMEOUT)
        connection.sendall(json.dumps(result).encode("utf-8"))
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(DRAIN_TIMEOUT)
        for _ in range(DRAIN_CHUNKS):
            if not connection.recv(65536):
                break


def serve(execute: Callable[[list[str]], tuple[int, dict[str, Any]]], fd: int = STDIN) -> int:
    """Answer the one request on the connection ``fd``; the command's exit status."""
    try:
        connection = socket.socket(fileno=fd)
    except OSError as exc:
        print(json.dumps({"error": f"--connection needs a socket on standard input: {exc}"}))
        return 1
    with connection:
        try:
            check_peer(connection)
            args = read_request(connection)
        except (ValueError, OSError) as exc:
            answer(connection, {"error": str(exc)})
            return 1
        code, result = execute(args)
        answer(connection, result)
        return code
