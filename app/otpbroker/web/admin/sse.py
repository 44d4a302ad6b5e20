"""Server-Sent Events under cheroot: the event format, the stream body, the open-stream
count, and whether the client or the server has gone.

Cheroot serves each request on one of its worker threads, so a stream holds a thread for
its whole life: a page that streams counts its open streams (``Slots``) and ends a stream
as soon as its client has gone or the server is stopping. What other threads report reaches
the stream through an ``Inbox``, which never blocks them.

The server reads a stream's body after the request's handler has returned, so a ``Stream``
keeps the language of the page that opened it and writes every event in that language.
"""

from __future__ import annotations

import json
import queue
import select
import socket
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import bottle

from otpbroker.i18n.translate import current_language, use_language


def event(name: str | None, data: Any, event_id: str | None = None) -> bytes:
    """One event: optional ``id`` and ``event`` lines, its data as compact JSON."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if name is not None:
        lines.append(f"event: {name}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def server_stopping() -> bool:
    """True once cheroot's server stops (its worker threads carry ``server``)."""
    server = getattr(threading.current_thread(), "server", None)
    return server is not None and getattr(server, "ready", True) is False


def client_gone() -> bool:
    """True when the client closed the connection (best effort: cheroot's worker thread
    carries the connection; anything unexpected means "don't know" = False)."""
    conn = getattr(threading.current_thread(), "conn", None)
    sock = getattr(conn, "socket", None)
    if type(sock) is not socket.socket:  # TLS or another server: rely on write errors
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True


class Stream:
    """The response body: the stream's generator, run in the language of the request that
    opened it (``language``, default: the current one), releasing its slot exactly once on
    close (also when the server closes it before the first chunk)."""

    def __init__(
        self, chunks: Iterator[bytes], release: Callable[[], None], language: str | None = None
    ) -> None:
        self._chunks = chunks
        self._release: Callable[[], None] | None = release
        self.language = language or current_language()

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> bytes:
        with use_language(self.language):
            return next(self._chunks)

    def close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                with use_language(self.language):
                    close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class Inbox:
    """Events for one stream from another thread, which never blocks on it: beyond ``size``
    waiting events the new ones are dropped and counted."""

    def __init__(self, size: int) -> None:
        self._events: queue.Queue[Any] = queue.Queue(size)
        self.dropped = 0

    def put(self, item: Any) -> None:
        """Queue ``item`` (a listener: runs on the sender's thread)."""
        try:
            self._events.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def take_dropped(self) -> int:
        """How many were dropped since the last call."""
        lost, self.dropped = self.dropped, 0
        return lost

    def get(self, wait: float) -> Any:
        """The next item, or None when none came within ``wait`` seconds."""
        try:
            return self._events.get(timeout=wait)
        except queue.Empty:
            return None


class Slots:
    """Counts the open streams of one kind in one app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0

    def take(self, limit: int) -> bool:
        """Take a slot; False when ``limit`` streams are open already."""
        with self._lock:
            if self.open >= limit:
                return False
            self.open += 1
            return True

    def give(self) -> None:
        """Give a slot back (when a stream ends)."""
        with self._lock:
            self.open = max(0, self.open - 1)


class SlotsPerApp:
    """One ``Slots`` for each bottle app that serves the stream (each admin app counts its
    own streams, as many apps as a process builds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: weakref.WeakKeyDictionary[Any, Slots] = weakref.WeakKeyDictionary()

    def current(self) -> Slots:
        """The slots of the app serving this request."""
        app = bottle.request.app
        with self._lock:
            slots = self._slots.get(app)
            if slots is None:
                slots = self._slots[app] = Slots()
            return slots
