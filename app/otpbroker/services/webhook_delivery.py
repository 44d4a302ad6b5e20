"""Posting status events, received SMS and device alerts to the webhooks, signed, retried,
never blocking.

The bus listeners only put the news on an intake queue (they never block the sender). One
dispatcher thread routes each event: a status event to its owner's webhooks (an API user's
to the webhooks of that user, a feeder's to ``feeder:<name>``), a received SMS to every
webhook with the ``inbound`` kind, a device alert (raised or cleared) to every webhook with
the ``alert`` kind; each active webhook of that kind gets it on its lane
(``services.webhook_lane``), which posts it with the same event id on every attempt.
Undeliverable events go to the dead letters (``services.webhook_dead_letters``). All of it
is memory only.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from otpbroker.domain.message_life import DeviceAlert, InboundSms, MessageState, StatusEvent
from otpbroker.services import webhook_failures as failure
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.webhook_dead_letters import DeadLetters
from otpbroker.services.webhook_lane import LANE_BOUND, Backoff, Lane, Pending
from otpbroker.services.webhook_signing import signature
from otpbroker.services.webhook_urls import HostResolver, Target, UrlRefused, checked_target

log = logging.getLogger(__name__)

COLLECTION = "webhooks"
RESULTS = ("delivered", "failed", "dead")
STOP_WAIT = 1.0
Event = StatusEvent | InboundSms | DeviceAlert


class WebhookPoster(Protocol):
    """One HTTP POST (``otpbroker.webhooks.poster``): no redirect followed."""

    def post(self, target: Target, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """The answer's status code; OSError on a network error or a time-out."""
        ...


class RecordSource(Protocol):
    """The configuration's records (``list``)."""

    def list(self, name: str) -> list[dict[str, Any]]:
        """Every record of a collection."""
        ...


class SettingSource(Protocol):
    """The settings (``get``)."""

    def get(self, key: str) -> Any:
        """A setting's value."""
        ...


def status_owners(event: StatusEvent) -> set[str]:
    """The owners whose webhooks get this status event."""
    owners = {f"feeder:{event.source}"}
    if event.user:
        owners.add(event.user)
    return owners


def body_of(event: Event) -> bytes:
    """The request body: the event's JSON, made once (the same bytes on every attempt)."""
    return json.dumps(event.as_json(), separators=(",", ":"), ensure_ascii=False).encode()


class WebhookDelivery:
    """The intake, the dispatcher, one lane per webhook, the dead letters and the counts."""

    def __init__(
        self,
        records: RecordSource,
        settings: SettingSource,
        poster: WebhookPoster,
        resolver: HostResolver,
        own_addresses: Callable[[], Iterable[str]],
        backoff: Backoff | None = None,
        lane_bound: int = LANE_BOUND,
    ) -> None:
        """Nothing runs until ``start``; ``backoff`` and ``lane_bound`` for tests."""
        self._records = records
        self._settings = settings
        self._poster = poster
        self._resolver = resolver
        self._own = own_addresses
        self.backoff = backoff or Backoff()  # read when a lane is made
        self._bound = lane_bound
        self._intake: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        self._lanes: dict[str, Lane] = {}
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._dead = DeadLetters()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._unsubscribe: list[Callable[[], None]] = []

    # -- the bus side (never blocks) -----------------------------------------------------

    def connect(self, bus: TwoWayBus) -> None:
        """Listen to the bus's status events, received SMS and device alerts."""
        self._unsubscribe += [bus.subscribe_status(self._intake.put),
                              bus.subscribe_inbound(self._intake.put),
                              bus.subscribe_alert(self._intake.put)]  # fmt: skip

    def start(self) -> None:
        """Run the dispatcher."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._dispatch, name="webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening, then the dispatcher and every lane (backlogs are dropped)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._intake.put(None)
        with self._lock:
            self._stopped = True  # a lane made from now on never starts
            lanes = list(self._lanes.values())
        for lane in lanes:
            lane.halt()
        deadline = time.monotonic() + STOP_WAIT  # one bound for all: posts may hang
        if self._thread is not None:
            self._thread.join(STOP_WAIT)
        for lane in lanes:
            lane.join(max(0.0, deadline - time.monotonic()))

    def _dispatch(self) -> None:
        while (event := self._intake.get()) is not None:
            try:
                self._route(event)
            except Exception:  # a bad record or a bug must not end the dispatcher
                log.exception("webhooks: event %s not routed", event.event_id)

    def _route(self, event: Event) -> None:
        kind = {StatusEvent: "status", InboundSms: "inbound"}.get(type(event), "alert")
        owners = status_owners(event) if isinstance(event, StatusEvent) else None
        targets = [
            record["id"]
            for record in self._records.list(COLLECTION)
            if record.get("active", True)
            and kind in record.get("events", ())
            and (owners is None or record.get("owner") in owners)
        ]
        if not targets:
            return
        body = body_of(event)
        message_id = event.message_id if isinstance(event, StatusEvent) else None
        for webhook_id in targets:
            self._enqueue(Pending(webhook_id, event.event_id, kind, message_id, body,
                                  time.monotonic(), time.time()))  # fmt: skip

    def _enqueue(self, item: Pending) -> None:
        pushed_out = self._lane(item.webhook_id).push(item)
        if pushed_out is not None:
            self.bury(pushed_out, failure.BACKLOG_FULL.format(detail=self._bound))

    def _lane(self, webhook_id: str) -> Lane:
        with self._lock:
            lane = self._lanes.get(webhook_id)
            if lane is None:
                lane = self._lanes[webhook_id] = Lane(webhook_id, self, self.backoff, self._bound)
                if not self._stopped:
                    lane.start()
            return lane

    # -- what a lane asks ----------------------------------------------------------------

    def record(self, webhook_id: str) -> dict[str, Any] | None:
        """The webhook's current record; None once deleted (its lane is forgotten)."""
        for record in self._records.list(COLLECTION):
            if record.get("id") == webhook_id:
                return record
        self.forget(webhook_id)
        return None

    def limits(self) -> tuple[int, float]:
        """(``webhooks.max_attempts``, ``webhooks.max_age_seconds``)."""
        attempts = int(self._settings.get("webhooks.max_attempts"))
        return attempts, float(self._settings.get("webhooks.max_age_seconds"))

    def post(self, item: Pending, record: dict[str, Any]) -> str | None:
        """One signed POST of ``item``: None when a 2xx answered, else why not."""
        try:
            target = checked_target(
                str(record["url"]), bool(record.get("allow_private_address")),
                self._resolver, self._own,
            )  # fmt: skip
        except UrlRefused as refused:
            return failure.REFUSED.format(detail=refused.rule)
        except OSError as exc:
            return failure.UNRESOLVED.format(detail=exc)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-OTPB-Event-Id": item.event_id,
            "X-OTPB-Timestamp": timestamp,
            "X-OTPB-Signature": signature(str(record["secret"]), timestamp, item.body),
        }
        timeout = float(self._settings.get("webhooks.timeout_seconds"))
        try:
            status = self._poster.post(target, item.body, headers, timeout)
        except OSError as exc:
            return failure.NETWORK.format(detail=exc)
        return None if 200 <= status < 300 else failure.ANSWERED.format(detail=status)

    def bury(self, item: Pending, reason: str) -> None:
        """Move ``item`` to the dead letters (logged with ids only)."""
        self._dead.add(item, reason)
        self.count("dead")
        log.warning("webhook %s: event %s to the dead letters (%s; last error: %s)",
                    item.webhook_id, item.event_id, reason, item.last_error or "none")  # fmt: skip

    def count(self, result: str) -> None:
        """Count a result (delivered, failed attempt, dead)."""
        with self._lock:
            self._counts[result] += 1

    # -- the admin's side ----------------------------------------------------------------

    def wake(self, webhook_id: str) -> None:
        """Let the webhook's lane try now (after an edit)."""
        with self._lock:
            lane = self._lanes.get(webhook_id)
        if lane is not None:
            lane.wake()

    def forget(self, webhook_id: str) -> None:
        """A deleted webhook: stop its lane, drop its backlog and dead letters."""
        with self._lock:
            lane = self._lanes.pop(webhook_id, None)
        if lane is not None:
            lane.halt()
        self._dead.forget(webhook_id)

    def send_test(self, webhook_id: str) -> str:
        """Queue a test status event (``source`` ``test``) to one webhook: its event id."""
        event = StatusEvent("test-" + uuid.uuid4().hex[:12], MessageState.SENT, "test")
        self._enqueue(Pending(webhook_id, event.event_id, "status", event.message_id,
                              body_of(event), time.monotonic(), time.time()))  # fmt: skip
        return event.event_id

    def dead_letters(self) -> list[dict[str, Any]]:
        """The dead letters, newest first (never their body)."""
        return self._dead.views()

    def retry(self, letter_id: str) -> bool:
        """Send a dead letter again now, ahead of its webhook's backlog."""
        item = self._dead.take(letter_id)
        if item is None:
            return False
        self._again([item])
        return True

    def retry_all(self) -> int:
        """Send every dead letter again now: how many."""
        items = self._dead.take_all()
        self._again(items)
        return len(items)

    def _again(self, items: list[Pending]) -> None:
        for item in reversed(items):  # pushed to the front: the oldest ends first in line
            item.attempts, item.last_error = 0, ""
            item.queued_at, item.queued_wall = time.monotonic(), time.time()
            self._lane(item.webhook_id).push_front(item)

    # -- readings (admin, metrics) -------------------------------------------------------

    def lane_states(self) -> dict[str, dict[str, Any]]:
        """Each webhook's backlog and last error."""
        with self._lock:
            lanes = list(self._lanes.values())
        return {lane.webhook_id: {"backlog": lane.backlog, "last_error": lane.last_error}
                for lane in lanes}  # fmt: skip

    def backlogs(self) -> dict[str, int]:
        """Events waiting per webhook id (with the one in flight)."""
        return {key: state["backlog"] for key, state in self.lane_states().items()}

    def deliveries(self) -> dict[str, int]:
        """Results so far: delivered, failed (attempts), dead (events)."""
        with self._lock:
            return {result: self._counts[result] for result in RESULTS}


__all__ = ["RESULTS", "WebhookDelivery", "WebhookPoster", "body_of", "status_owners"]
