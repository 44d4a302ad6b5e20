"""Monitor: every request as it happens and every modem's status, live (Server-Sent Events).

``/monitor`` renders the last requests and the modems on the server (it works without
JavaScript); ``static/monitor.js`` then follows ``/admin-api/monitor/stream``:

- ``event: sms`` for each finished request (time, source, masked recipient, modem, outcome,
  duration), from the event log's listeners; never the message text, which the event log
  does not have;
- ``event: modem`` for a modem whose status (state, signal, operator, SMS path, last error)
  changed, polled every ``POLL_SECONDS`` inside the stream loop (all of them when the stream
  opens);
- ``event: alerts`` with every active alert whenever the list changes (the page shows them
  above the tables);
- a comment line every ``HEARTBEAT_SECONDS`` so idle connections stay open.

Cheroot serves each request on one of its worker threads, so a stream holds a thread for
its whole life: at most ``MAX_STREAMS`` are open at once (503 beyond), each ends after
``STREAM_SECONDS`` (EventSource reconnects by itself, resuming after the last event id),
and a stream stops as soon as its client has gone (a closed socket or a failed write) or
the server is stopping.
"""

from __future__ import annotations

import contextlib
import json
import queue
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import render

MAX_STREAMS = 4
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 1.0
RETRY_MS = 3000
QUEUE_SIZE = 500
RECENT_SHOWN = 50

SOURCES = {
    "rest": "REST",
    "rabbitmq": "RabbitMQ",
    "amqp": "RabbitMQ",
    "ws": "WebSocket",
    "mqtt": "MQTT",
    "admin": "manual",
    "manual": "manual",
    "cli": "command line",
}


def source_label(source: str, user: str | None) -> str:
    """``REST user app``, ``RabbitMQ``, ``manual by owner``..."""
    label = SOURCES.get(source, source or "?")
    if user and source == "rest":
        return f"{label} user {user}"
    if user and label == "manual":
        return f"manual by {user}"
    return label


def event_json(event: Any, names: dict[str, str], full_recipient: bool = False) -> dict[str, Any]:
    """An ``SmsEvent`` as the browser gets it: no text (the event has none), the number masked
    unless the owner chose to see it whole (``sms.monitor_recipient``)."""
    modem_id = getattr(event, "modem_id", None)
    attempts = [names.get(m, m) for m in getattr(event, "attempts", ()) or ()]
    recipient_full = getattr(event, "recipient_full", "")
    return {
        "id": repr(float(event.at)),
        "at": float(event.at),
        "time": time.strftime("%H:%M:%S", time.localtime(event.at)),
        "kind": str(getattr(event, "kind", "sms")),
        "source": str(event.source),
        "source_label": source_label(str(event.source), event.user),
        "user": event.user,
        "recipient": str(recipient_full if full_recipient and recipient_full else event.recipient),
        "modem_id": modem_id,
        "modem": names.get(modem_id, modem_id) if modem_id else None,
        "attempts": attempts,
        "outcome": str(event.outcome),
        "code": str(event.code),
        "parts": int(getattr(event, "parts", 0) or 0),
        "duration_ms": round(float(event.duration) * 1000),
    }


def modem_json(status: Any, names: dict[str, str]) -> dict[str, Any]:
    """A ``ModemStatus`` as the browser gets it."""
    network = getattr(status, "network", None)
    identity = getattr(status, "identity", None)
    verdict = getattr(status, "sms_path", None)
    model = " ".join(
        part for part in (getattr(identity, "manufacturer", None), getattr(identity, "model", None))
        if part
    )  # fmt: skip
    return {
        "modem_id": status.modem_id,
        "name": names.get(status.modem_id, status.modem_id),
        "state": str(status.state),
        "connected": bool(getattr(status, "connected", False)),
        "signal": getattr(network, "signal_percent", None),
        "operator": getattr(network, "operator", None),
        "registration": getattr(network, "registration", None),
        "model": model or None,
        "sms_path": verdict.path.value if verdict is not None else None,
        "sms_path_reason": verdict.reason if verdict is not None else None,
        "last_error": status.last_error,
    }


def alerts_json(alerts: list[Any]) -> list[dict[str, Any]]:
    """The active alerts as the browser gets them (texts about modems only)."""
    return [
        {"key": a.key, "severity": a.severity, "title": a.title, "text": a.text,
         "advice": a.advice, "mail": a.mail,
         "since": time.strftime("%Y-%m-%d %H:%M", time.localtime(a.raised_at))}
        for a in alerts
    ]  # fmt: skip


def _sse(event: str | None, data: Any, event_id: str | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def _server_stopping() -> bool:
    """True once cheroot's server stops (its worker threads carry ``server``)."""
    server = getattr(threading.current_thread(), "server", None)
    return server is not None and getattr(server, "ready", True) is False


def _client_gone() -> bool:
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


class _Stream:
    """The response body: the stream's generator, releasing its slot exactly once on close
    (also when the server closes it before the first chunk)."""

    def __init__(self, chunks: Iterator[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class _Slots:
    """Counts the open streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0

    def take(self) -> bool:
        with self._lock:
            if self.open >= MAX_STREAMS:
                return False
            self.open += 1
            return True

    def give(self) -> None:
        with self._lock:
            self.open = max(0, self.open - 1)


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/monitor`` and ``/admin-api/monitor/stream``."""
    slots = _Slots()

    def modem_names() -> dict[str, str]:
        try:
            return {
                str(m["id"]): str(m.get("name") or m["id"]) for m in context.repo.list("modems")
            }
        except Exception:  # names are cosmetic: fall back to ids
            return {}

    def full_recipients() -> bool:
        try:
            return context.repo.settings().get("sms.monitor_recipient") == "full"
        except Exception:  # unreadable settings: the safe choice
            return False

    @app.get("/monitor")
    def show() -> str:
        names = modem_names()
        full = full_recipients()
        events = [event_json(e, names, full) for e in context.events.recent()[-RECENT_SHOWN:]]
        events.reverse()
        modems = [modem_json(s, names) for s in context.modems.statuses()]
        return render("monitor", "Monitor", events=events, modems=modems,
                      alerts=context.alerts.active(), scripts=["/static/monitor.js"])  # fmt: skip

    def stream(last_id: float | None) -> Iterator[bytes]:
        events: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        dropped = 0

        def listener(event: Any) -> None:  # runs on the sender's thread: never block it
            nonlocal dropped
            try:
                events.put_nowait(event)
            except queue.Full:
                dropped += 1

        unsubscribe = context.events.subscribe(listener)
        try:
            names = modem_names()
            full = full_recipients()
            started = last_write = time.monotonic()
            recent = context.events.recent() if last_id is not None else []
            mark = time.time()  # every event not in ``recent`` comes through the listener
            yield f"retry: {RETRY_MS}\n\n".encode()
            replayed = [e for e in recent if last_id is not None and e.at > last_id]
            for event in replayed:  # a reconnect: what happened in between first
                yield _sse("sms", event_json(event, names, full), repr(float(event.at)))
            # An id without data sets the client's Last-Event-ID (sent back on reconnect).
            yield f"id: {mark!r}\n\n".encode()
            seen: dict[str, dict[str, Any]] = {}
            shown_alerts: list[dict[str, Any]] | None = None
            asked: set[str] = set()  # ids whose names were looked up already
            last_poll = 0.0
            while True:
                now = time.monotonic()
                if now - started >= STREAM_SECONDS or _server_stopping() or _client_gone():
                    return
                if now - last_poll >= POLL_SECONDS:
                    last_poll = now
                    current = {s.modem_id: s for s in context.modems.statuses()}
                    if set(current) - set(names) - asked:  # a modem added meanwhile
                        names = modem_names()
                        asked |= set(current)
                    for modem_id, status in current.items():
                        data = modem_json(status, names)
                        if seen.get(modem_id) != data:
                            seen[modem_id] = data
                            last_write = now
                            yield _sse("modem", data)
                    for modem_id in set(seen) - set(current):
                        gone = {**seen.pop(modem_id), "state": "removed", "connected": False}
                        last_write = now
                        yield _sse("modem", gone)
                    alerts = alerts_json(context.alerts.active())
                    if alerts != shown_alerts:
                        shown_alerts = alerts
                        last_write = now
                        yield _sse("alerts", alerts)
                if dropped:
                    lost, dropped = dropped, 0
                    last_write = now
                    yield _sse("lost", {"count": lost})
                if now - last_write >= HEARTBEAT_SECONDS:
                    last_write = now
                    yield b": keep-alive\n\n"
                wait = max(0.05, min(POLL_SECONDS - (time.monotonic() - last_poll), 1.0))
                try:
                    event = events.get(timeout=wait)
                except queue.Empty:
                    continue
                if event in replayed:
                    continue
                if event.modem_id and event.modem_id not in names:
                    names = modem_names()
                last_write = time.monotonic()
                yield _sse("sms", event_json(event, names, full), repr(float(event.at)))
        finally:
            unsubscribe()

    @app.get("/admin-api/monitor/stream")
    def open_stream() -> _Stream:
        if not slots.take():
            body = json.dumps({"error": f"too many monitor streams open (at most {MAX_STREAMS}); "
                                        "close a monitor tab or wait"})  # fmt: skip
            raise bottle.HTTPResponse(
                body, 503, {"Content-Type": "application/json", "Retry-After": "10"}
            )
        last_id = None
        with contextlib.suppress(ValueError):
            header = bottle.request.get_header("Last-Event-ID") or ""
            last_id = float(header) if header else None
        bottle.response.content_type = "text/event-stream; charset=utf-8"
        bottle.response.set_header("X-Accel-Buffering", "no")
        return _Stream(stream(last_id), slots.give)
