"""A lingering close for cheroot: a response sent before its request's body was read still
reaches the client.

A server that answers early (a 413 from the headers alone) and then closes a socket with
unread bytes in it makes the kernel reset the connection, and a reset can take the answer
with it: the client (or the front in front of the app) sees the connection dropped without
a response. Like Apache's lingering close, a connection whose last request left body bytes
unread first sends its end of the stream (the peer reads the whole answer and then an end
of file), then reads and drops what the peer still sends, for a short bounded time, and only
then closes.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from cheroot import server

#: How long a lingering close keeps reading what the peer still sends.
LINGER_SECONDS = 2.0
#: The most bytes a lingering close reads and drops before it gives up.
LINGER_BYTES = 4 * 1024 * 1024
#: How long one read may wait for more bytes.
READ_WAIT_SECONDS = 0.5


class LingeringRequest(server.HTTPRequest):
    """A request that tells its connection when it leaves body bytes unread."""

    def respond(self) -> None:
        """Respond as cheroot does, then note whether the body was left unread."""
        super().respond()
        if self.close_connection and _body_left_unread(self):
            self.conn.body_left_unread = True


class LingeringConnection(server.HTTPConnection):
    """A connection that lingers before closing when its body was left unread."""

    RequestHandlerClass = LingeringRequest
    body_left_unread = False

    def close(self) -> None:
        """Close; first drain the peer's remaining bytes when an answer went out early."""
        if self.body_left_unread:
            linger(self.wfile, self.socket)
        super().close()


def _body_left_unread(request: Any) -> bool:
    """True when the request's body has bytes the app never read."""
    body = getattr(request, "rfile", None)
    if request.chunked_read:
        return not getattr(body, "closed", True)
    return int(getattr(body, "remaining", 0) or 0) > 0


def linger(writer: Any, sock: socket.socket) -> None:
    """Send everything written so far and the end of our stream, then read and drop what
    the peer sends until it closes, ``LINGER_SECONDS`` pass or ``LINGER_BYTES`` arrive."""
    try:
        writer.flush()
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        return
    deadline = time.monotonic() + LINGER_SECONDS
    dropped = 0
    while dropped < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
        try:
            sock.settimeout(min(left, READ_WAIT_SECONDS))
            data = sock.recv(65536)
        except OSError:  # a time-out, a reset: nothing more worth waiting for
            return
        if not data:
            return
        dropped += len(data)
