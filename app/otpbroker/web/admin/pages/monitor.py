"""Monitor: every request as it happens, every modem's and feeder's status, live (Server-Sent
Events).

``/monitor`` renders the last requests, the modems and the feeders on the server (it works without
JavaScript); ``static/monitor.js`` then follows ``/admin-api/monitor/stream``:

- ``event: sms`` for each finished request (time, source, masked recipient, modem, outcome,
  duration), from the event log's listeners; never the message text, which the event log
  does not have;
- ``event: modem`` for a modem whose status (state, signal, operator, SMS path, last error)
  changed, polled every ``POLL_SECONDS`` inside the stream loop (all of them when the stream
  opens);
- ``event: feeder`` for a feeder whose status (state, counts, restarts) changed, polled
  with the modems; a feeder's start, restart ("settings changed") and stop also come as an
  ``sms`` event of kind ``feeder`` in the event list;
- ``event: alerts`` with every active alert whenever the list changes (the page shows them
  above the tables);
- a comment line every ``HEARTBEAT_SECONDS`` so idle connections stay open.

Above the tables, the activity charts of the last hour or day (``web/admin/charts.py``);
``/admin-api/charts/<hour|day>`` answers them as a fragment, which ``static/charts.js``
swaps in every few seconds and right after each ``sms`` event.

Cheroot serves each request on one of its worker threads, so a stream holds a thread for
its whole life: at most ``MAX_STREAMS`` are open at once (503 beyond), each ends after
``STREAM_SECONDS`` (EventSource reconnects by itself, resuming after the last event id),
and a stream stops as soon as its client has gone (a closed socket or a failed write) or
the server is stopping (``web/admin/sse.py``).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator, Iterator
from typing import Any

import bottle

from otpbroker.i18n.translate import _
from otpbroker.web.admin import sse
from otpbroker.web.admin.charts import chart_section, charts_html, window_of
from otpbroker.web.admin.feeder_status import FeederWatch
from otpbroker.web.admin.monitor_json import (
    alerts_json,
    event_json,
    feeder_view,
    feeder_words,
    modem_json,
    removed_modem_json,
    source_label,
)
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

MAX_STREAMS = 4
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 1.0
RETRY_MS = 3000
QUEUE_SIZE = 500
RECENT_SHOWN = 50

_SLOTS = sse.SlotsPerApp()


def _modem_names(context: AdminServices) -> dict[str, str]:
    try:
        names = context.modem_records.names()
        return {str(modem_id): str(name or modem_id) for modem_id, name in names.items()}
    except Exception:  # names are cosmetic: fall back to ids
        return {}


def _full_recipients(context: AdminServices) -> bool:
    try:
        return context.settings.get("sms.monitor_recipient") == "full"
    except Exception:  # unreadable settings: the safe choice
        return False


class _Feed:
    """What one stream has told its client so far: modem statuses, alerts, modem names."""

    def __init__(self, context: AdminServices) -> None:
        self.context = context
        self.names = _modem_names(context)
        self.full = _full_recipients(context)
        self.seen: dict[str, dict[str, Any]] = {}
        self.feeders = FeederWatch()
        self.shown_alerts: list[dict[str, Any]] | None = None
        self.asked: set[str] = set()  # ids whose names were looked up already

    def sms(self, event: Any) -> bytes:
        """A finished request as an ``sms`` event, its time as the event id."""
        return sse.event("sms", event_json(event, self.names, self.full), repr(float(event.at)))

    def new_sms(self, event: Any) -> bytes:
        """``sms`` for an event just heard of (a modem added meanwhile gets its name)."""
        if event.modem_id and event.modem_id not in self.names:
            self.names = _modem_names(self.context)
        return self.sms(event)

    def changes(self) -> Iterator[bytes]:
        """``modem`` for each modem whose status changed or that is gone, ``feeder`` for each
        feeder whose status changed, ``alerts`` when the active alerts changed."""
        current = {s.modem_id: s for s in self.context.modems.statuses()}
        if set(current) - set(self.names) - self.asked:  # a modem added meanwhile
            self.names = _modem_names(self.context)
            self.asked |= set(current)
        for modem_id, status in current.items():
            data = modem_json(status, self.names)
            if self.seen.get(modem_id) != data:
                self.seen[modem_id] = data
                yield sse.event("modem", data)
        for modem_id in set(self.seen) - set(current):
            yield sse.event("modem", removed_modem_json(self.seen.pop(modem_id)))
        for data in self.feeders.changed(self.context.feeder_settings.statuses()):
            yield sse.event("feeder", feeder_words(data))
        alerts = alerts_json(self.context.alerts.active())
        if alerts != self.shown_alerts:
            self.shown_alerts = alerts
            yield sse.event("alerts", alerts)


def _opening(context: AdminServices, feed: _Feed,
             last_id: float | None) -> Generator[bytes, None, list[Any]]:  # fmt: skip
    """The retry time, on a reconnect what happened since ``last_id``, and the stream's own
    id; returns the events replayed."""
    recent = context.events.recent() if last_id is not None else []
    mark = time.time()  # every event not in ``recent`` comes through the listener
    yield f"retry: {RETRY_MS}\n\n".encode()
    replayed = [e for e in recent if last_id is not None and e.at > last_id]
    for event in replayed:  # a reconnect: what happened in between first
        yield feed.sms(event)
    # An id without data sets the client's Last-Event-ID (sent back on reconnect).
    yield f"id: {mark!r}\n\n".encode()
    return replayed


def _follow(feed: _Feed, inbox: sse.Inbox, replayed: list[Any], started: float) -> Iterator[bytes]:
    """New requests as they come, changes every ``POLL_SECONDS``, heartbeats when idle, until
    the stream's time is up, its client has gone or the server stops."""
    last_write, last_poll = started, 0.0
    while True:
        now = time.monotonic()
        if now - started >= STREAM_SECONDS or sse.server_stopping() or sse.client_gone():
            return
        if now - last_poll >= POLL_SECONDS:
            last_poll = now
            for chunk in feed.changes():
                last_write = now
                yield chunk
        lost = inbox.take_dropped()
        if lost:
            last_write = now
            yield sse.event("lost", {"count": lost})
        if now - last_write >= HEARTBEAT_SECONDS:
            last_write = now
            yield b": keep-alive\n\n"
        event = inbox.get(max(0.05, min(POLL_SECONDS - (time.monotonic() - last_poll), 1.0)))
        if event is None or event in replayed:
            continue
        last_write = time.monotonic()
        yield feed.new_sms(event)


def _stream(context: AdminServices, last_id: float | None) -> Iterator[bytes]:
    """One monitor stream, listening to the event log from before its first event."""
    inbox = sse.Inbox(QUEUE_SIZE)
    unsubscribe = context.events.subscribe(inbox.put)
    try:
        feed = _Feed(context)
        started = time.monotonic()
        replayed = yield from _opening(context, feed, last_id)
        yield from _follow(feed, inbox, replayed, started)
    finally:
        unsubscribe()


def show(context: AdminServices) -> str:
    """The last requests, the modems and the feeders, rendered on the server."""
    feed = _Feed(context)
    recent = context.events.recent()[-RECENT_SHOWN:]
    events = [event_json(e, feed.names, feed.full) for e in reversed(recent)]
    modems = [modem_json(s, feed.names) for s in context.modems.statuses()]
    feeders = [feeder_view(s) for s in context.feeder_settings.statuses()]
    window = window_of(bottle.request.query.get("charts"))
    charts = chart_section(context.activity, window, feed.names, "/monitor")
    return render("monitor", _("Monitor"), events=events, modems=modems, feeders=feeders,
                  alerts=context.alerts.active(), charts=charts,
                  scripts=["/static/monitor.js", "/static/charts.js"])  # fmt: skip


def charts_fragment(context: AdminServices, window: str) -> str:
    """The charts of the last ``hour`` or ``day``, for ``static/charts.js`` to swap in."""
    bottle.response.content_type = "text/html; charset=utf-8"
    return charts_html(context.activity, window_of(window), _modem_names(context))


def _last_event_id() -> float | None:
    """The ``Last-Event-ID`` a reconnecting EventSource sends (None: a new stream)."""
    with contextlib.suppress(ValueError):
        header = bottle.request.get_header("Last-Event-ID") or ""
        return float(header) if header else None
    return None


def open_stream(context: AdminServices) -> sse.Stream:
    """The live stream (503 when ``MAX_STREAMS`` are open)."""
    slots = _SLOTS.current()
    if not slots.take(MAX_STREAMS):
        text = _("too many monitor streams open (at most {count}); close a monitor tab or wait")
        body = json.dumps({"error": text.format(count=MAX_STREAMS)})
        raise bottle.HTTPResponse(
            body, 503, {"Content-Type": "application/json", "Retry-After": "10"}
        )
    last_id = _last_event_id()
    bottle.response.content_type = "text/event-stream; charset=utf-8"
    bottle.response.set_header("X-Accel-Buffering", "no")
    return sse.Stream(_stream(context, last_id), slots.give)


__all__ = ["ROUTES", "alerts_json", "event_json", "modem_json", "source_label"]

ROUTES = (
    Route("GET", "/monitor", show),
    Route("GET", "/admin-api/monitor/stream", open_stream),
    Route("GET", "/admin-api/charts/<window:re:hour|day>", charts_fragment),
)
