"""How a command reaches the privileged helper: its activation socket, or its program.

The request is one JSON array of strings (the helper's command line, at most
``MAX_REQUEST_BYTES``), then the end of the client's half of the connection; the answer is the
helper's one JSON object, then the end of the connection. systemd starts one root helper per
connection (``Accept=yes``) with the connection as its standard input and output.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

MAX_REQUEST_BYTES = 16384
MAX_ANSWER_BYTES = 1 << 20


class HelperError(Exception):
    """The helper refused or failed, or could not be reached; str() is the precise message."""


def encode_request(args: Sequence[str]) -> bytes:
    """The request for command line ``args``; HelperError when it is too long."""
    data = json.dumps(list(args)).encode("utf-8")
    if len(data) > MAX_REQUEST_BYTES:
        raise HelperError(f"the helper request is {len(data)} bytes, over {MAX_REQUEST_BYTES}")
    return data


def converse(connection: socket.socket, args: Sequence[str], timeout: float) -> str:
    """Send the request on a connected socket and read the whole answer (its text)."""
    deadline = time.monotonic() + timeout
    connection.settimeout(timeout)
    connection.sendall(encode_request(args))
    connection.shutdown(socket.SHUT_WR)
    chunks: list[bytes] = []
    size = 0
    while True:
        connection.settimeout(max(0.001, deadline - time.monotonic()))
        chunk = connection.recv(65536)
        if not chunk:
            return b"".join(chunks).decode("utf-8", "replace")
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise HelperError(f"the helper's answer is over {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)


class SocketTransport:
    """The helper behind its activation socket (``otpb-helper.socket`` on a device)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def exchange(self, args: list[str], timeout: float) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as conn:
            try:
                conn.settimeout(timeout)
                conn.connect(str(self.path))
                return converse(conn, args, timeout)
            except TimeoutError:
                raise HelperError(f"the helper did not answer within {timeout:g} s") from None
            except OSError as exc:
                raise HelperError(self._connect_error(exc)) from None

    def _connect_error(self, exc: OSError) -> str:
        where = f"the helper's socket {self.path}"
        if exc.errno == errno.ENOENT:
            return f"{where} does not exist (not a device, or otpb-helper.socket is not running)"
        if exc.errno == errno.ECONNREFUSED:
            return f"{where} refused the connection (otpb-helper.socket is stopped)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"{where} is not open to this user ({exc.strerror})"
        if exc.errno in (errno.EPIPE, errno.ECONNRESET):
            return f"the helper closed the connection without an answer ({exc.strerror})"
        return f"{where}: {exc.strerror or exc}"


class ProgramTransport:
    """The helper run as a program by a root caller (or a test), with ``env`` added."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.env = None if env is None else dict(env)

    def exchange(self, args: list[str], timeout: float) -> str:
        env = None if self.env is None else {**os.environ, **self.env}
        try:
            done = subprocess.run(
                [*self.argv, *args], capture_output=True, text=True, timeout=timeout,
                env=env, stdin=subprocess.DEVNULL, check=False,
            )  # fmt: skip
        except FileNotFoundError as exc:
            raise HelperError(f"cannot run the helper: {exc.strerror}: {exc.filename}") from None
        except subprocess.TimeoutExpired:
            raise HelperError(f"the helper did not answer within {timeout:g} s") from None
        if done.stdout.strip():
            return done.stdout
        detail = " ".join(done.stderr.split())[:300]
        raise HelperError(f"the helper answered nothing (exit {done.returncode}): {detail}")
