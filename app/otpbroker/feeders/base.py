"""What every feeder shares: a thread, reconnect with back-off, parsing, order, status, counters.

A subclass implements ``consume()``: connect, then hand each raw message to
``self.dispatch_async(raw, done)`` until the connection ends or ``self.stopping`` is set. Any
exception from ``consume()`` is logged (once per distinct error) and retried after a back-off;
a malformed message never ends the loop. ``reconnect()`` (after an uplink switch) drops the
connection at once and connects again without a back-off: a connection made over the old
route could otherwise hang until its heartbeat or keep-alive notices. What the old connection
left unacknowledged the broker hands out again, and the ids make those copies duplicates.

Order: a message is parsed on the thread that received it, in arrival order, and each of its
commands is queued behind the earlier commands concerning the same number (the sink's
``order_key``, the normalised number) on a keyed serial executor (``ordering.py``): commands
for one number run in arrival order, different numbers in parallel. A command answered "try
later" (``retry.py``) is tried again after a delay in its place, so the later commands for its
number wait behind it. ``done(replies)`` runs when every command of the message is done.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol, TypedDict, Unpack

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms, Lane
from otpbroker.feeders import redelivery
from otpbroker.feeders.answering import Answering
from otpbroker.feeders.jobs import Batch, CommandJob, Retrying
from otpbroker.feeders.messages import FeedError, parse_feed
from otpbroker.feeders.ordering import KeyedExecutor
from otpbroker.feeders.redelivery import forget_redeliveries as forget_redeliveries
from otpbroker.feeders.replies import FeederNews, filled_id
from otpbroker.feeders.retry import RetryPolicy
from otpbroker.feeders.tally import FeederTally
from otpbroker.services.replies import Reply
from otpbroker.services.route_classes import ConsumptionPlanner

log = logging.getLogger(__name__)


class CommandSink(Protocol):
    """Where commands go: the services' CommandProcessor."""

    def handle(
        self,
        payload: object,
        *,
        source: str,
        user: str | None = None,
        terms: DeliveryTerms = NO_TERMS,
    ) -> Reply:
        """Run one command and answer (``terms``: the broker's expiry, the feeder's
        defaults)."""
        ...

    def order_key(self, payload: object) -> str | None:
        """The normalised number a command concerns (its commands keep their order), or
        None (the command may run at any time)."""
        ...


def default_terms(settings: Mapping[str, Any]) -> DeliveryTerms:
    """A feeder's defaults: ``default_ttl_seconds`` (0: the device's) and
    ``default_priority`` (``otp`` or ``bulk``)."""
    ttl = int(settings.get("default_ttl_seconds") or 0)
    try:
        lane = Lane(str(settings.get("default_priority") or "otp"))
    except ValueError:  # the settings refuse it; a hand-edited store must not stop the feeder
        lane = Lane.OTP
    return DeliveryTerms(default_ttl=float(ttl) if ttl > 0 else None, default_lane=lane)


@dataclass(frozen=True)
class FeederStatus:
    """A feeder's state for the monitor and ``/metrics``."""

    name: str
    state: str = "stopped"
    last_error: str | None = None
    connected_since: float | None = None
    received: int = 0
    processed: int = 0
    rejected: int = 0
    reconnects: int = 0
    news_sent: int = 0
    """Replies, status events and received SMS handed to the broker."""
    news_dropped: int = 0
    """Those that could not be (no connection, queue full, publish failed): logged."""
    restarts: int = 0
    """Restarts because the feeder's settings changed (since the process started)."""
    restarted_at: float | None = None
    """When the last of those restarts happened (epoch seconds)."""

    @property
    def connected(self) -> bool:
        """True while the feeder holds a working connection."""
        return self.state == "connected"


class _StatusChange(TypedDict, total=False):
    """The fields of FeederStatus that ``Feeder._set`` changes."""

    state: str
    last_error: str | None
    connected_since: float | None


class Feeder(Answering, ABC):
    """One consumer thread with its own connection."""

    name = "feeder"
    delays = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
    retry_policy = RetryPolicy()
    """How a command answered "try later" (``1101``, ``1108``) is tried again in its place."""
    drain_seconds = 5.0
    """On stop: the longest wait for messages in progress, so that they are settled with
    their broker (the device's stop sets it to its bound for sends on the air)."""

    def __init__(
        self, sink: CommandSink, settings: Mapping[str, Any], concurrency: int = 16
    ) -> None:
        self.sink = sink
        self.settings = dict(settings)
        self.stopping = threading.Event()
        self.hurried = threading.Event()
        """Set by a hurried stop: the drain ends once what is decided is settled."""
        self.switching = threading.Event()
        """Set by ``reconnect()``: ``consume()`` drops its connection at once and returns."""
        self._again = threading.Event()  # ends the wait between two connections
        self.concurrency = concurrency
        self.defaults = default_terms(settings)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._executor = KeyedExecutor(concurrency, f"{self.name}-work")
        self._lock = threading.Lock()
        self._status = FeederStatus(self.name)
        self.tally = FeederTally()
        """The counts (the manager gives every instance of a kind the same one)."""
        self.redelivery = redelivery.shared()
        """Recognises redelivered id-less copies (the composition root gives every feeder
        one backed by the send ledger)."""
        self.planner: ConsumptionPlanner | None = None
        """Which queues to consume, each with its window, from the modems that can send now
        (set by the manager; used by the feeders that consume several queues)."""
        self.news: FeederNews | None = None
        """Its link to the two-way bus (set by the manager before ``start``; None: it tells
        the application nothing back)."""
        self._thread = threading.Thread(target=self._run, name=f"feeder-{self.name}", daemon=True)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the consumer thread (and listen to the bus when connected to it)."""
        if self.news is not None:
            inbound = self.tell_inbound if self.wants_inbound else None
            alert = self.tell_alert if self.wants_inbound else None  # same destination
            self.news.start(self.name, self.tell_status, inbound, alert)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end, interrupt the connection, wait for the thread."""
        self.stopping.set()
        self._again.set()
        self._executor.wake(for_good=True)  # commands waiting to try again give up now
        try:
            self.interrupt()
        except Exception:
            log.debug("%s: interrupt failed", self.name, exc_info=True)
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._executor.shutdown()
        if self.news is not None:
            self.news.stop()
        self._set(state="stopped", connected_since=None)

    def hurry(self) -> None:
        """Shorten a stop under way: settle what is decided, wait for nothing else."""
        self.hurried.set()
        try:
            self.interrupt()
        except Exception:
            log.debug("%s: interrupt failed", self.name, exc_info=True)

    def interrupt(self) -> None:
        """Wake a blocking consume() (close the socket); called from another thread."""

    def reconnect(self) -> None:
        """Drop the connection at once and make a new one without a back-off (after an
        uplink switch, over the new route); called from another thread."""
        if self.stopping.is_set():
            return
        log.info("%s feeder: reconnecting (the uplink changed)", self.name)
        self.switching.set()
        self._again.set()
        try:
            self.interrupt()
        except Exception:
            log.debug("%s: interrupt failed", self.name, exc_info=True)

    @property
    def status(self) -> FeederStatus:
        """The latest status, with the counts of the tally."""
        with self._lock:
            status = self._status
        return replace(status, **self.tally.counts())

    def _set(self, **changes: Unpack[_StatusChange]) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _count(self, field: str, amount: int = 1) -> None:
        self.tally.add(field, amount)

    def mark_connected(self) -> None:
        """Called by consume() once the connection works."""
        self._set(state="connected", connected_since=time.time(), last_error=None)
        log.info("%s feeder connected", self.name)

    # -- the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self.stopping.is_set():
            self.switching.clear()
            self._again.clear()
            self._set(state="connecting")
            started = time.monotonic()
            try:
                self.consume()
            except Exception as exc:
                if not self.switching.is_set():
                    self._failed(exc)
                else:  # the connection dropped on purpose
                    log.debug("%s feeder: dropped for a reconnect (%s)", self.name, exc)
            if self.stopping.is_set():
                break
            self._count("reconnects")
            if self.switching.is_set():  # a new route: connect again at once
                attempt = 0
                continue
            if time.monotonic() - started > 60:
                attempt = 0  # it ran for a while: start the back-off again
            delay = self.delays[min(attempt, len(self.delays) - 1)] * random.uniform(0.8, 1.2)
            attempt += 1
            self._again.wait(delay)

    def _failed(self, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:300]
        if error != self.status.last_error:  # log an error only when it changes
            log.error("%s feeder: %s", self.name, error)
        self._set(state="error", last_error=error, connected_since=None)

    @abstractmethod
    def consume(self) -> None:
        """Connect and hand every message to dispatch() until the connection ends."""

    # -- messages ------------------------------------------------------------------------------
    def dispatch_async(
        self,
        raw: bytes | str,
        done: Callable[[list[Reply]], None] | None = None,
        redelivered: bool = False,
        terms: DeliveryTerms | None = None,
        answered: Callable[[Reply], None] | None = None,
    ) -> None:
        """Parse ``raw`` here (arrival order) and queue its commands, each behind the earlier
        ones for its number; ``done(replies)`` on a worker when all are done (e.g. to ack).

        ``terms``: the message's delivery terms (default: the feeder's defaults);
        ``answered(reply)``: on a worker, each command's final reply as soon as it has one
        (to send it back). Blocks while ``concurrency`` messages are in progress.
        """
        self._slots.acquire()
        commands = self._parse(raw)
        batch = Batch(len(commands), partial(self._finish, done))
        if not commands:
            self._executor.submit(None, batch.close)
        final = self._tally if answered is None else partial(self._answered, answered)
        retrying = Retrying(self.name, self.retry_policy, self.stopping, final)
        for index, command in enumerate(commands):
            attempt = partial(self._try, command, redelivered, terms or self.defaults)
            job = CommandJob(retrying, str(command.get("command")), attempt, batch, index)
            self._executor.submit(self._order_key(command), job.run)

    def _finish(self, done: Callable[[list[Reply]], None] | None, replies: list[Reply]) -> None:
        self._slots.release()
        if done is not None:
            try:
                done(replies)
            except Exception:
                log.exception("%s feeder: completion failed", self.name)

    def _answered(self, answered: Callable[[Reply], None], reply: Reply | None) -> None:
        self._tally(reply)
        if reply is not None:
            try:
                answered(reply)
            except Exception:  # a reply that cannot go out never changes the outcome
                log.exception("%s feeder: reply not sent", self.name)

    def _order_key(self, command: dict[str, Any]) -> str | None:
        try:
            return self.sink.order_key(command)
        except Exception:  # no key: the command runs at once, unordered
            log.debug("%s feeder: no order key", self.name, exc_info=True)
            return None

    def _parse(self, raw: bytes | str) -> list[dict[str, Any]]:
        """The commands of one raw message (counted; a malformed message has none)."""
        self._count("received")
        try:
            batch = parse_feed(raw)
        except FeedError as exc:
            self._count("rejected")
            log.warning("%s feeder: message dropped: %s", self.name, exc)
            return []
        if batch.rejected:
            self._count("rejected", batch.rejected)
            log.warning(
                "%s feeder: %d item(s) of no known shape dropped", self.name, batch.rejected
            )
        return batch.commands

    def _try(
        self, command: dict[str, Any], redelivered: bool, terms: DeliveryTerms
    ) -> Reply | None:
        """Run one command; None when the sink raised (it must not; logged, counted)."""
        try:
            return self._run_command(command, redelivered, terms)
        except Exception:  # the sink must not raise, but a feeder must never die
            log.exception("%s feeder: command failed", self.name)
            return None

    def _tally(self, reply: Reply | None) -> None:
        """Count a command's final answer."""
        if reply is None or (
            reply.code.http_status >= 400 and reply.code.http_status not in (502, 503)
        ):
            self._count("rejected")
            if reply is not None:
                log.warning("%s feeder: %s refused: %s %s", self.name, reply.command,
                            reply.code.response_code, reply.text)  # fmt: skip
        else:
            self._count("processed")

    def _run_command(
        self, command: dict[str, Any], redelivered: bool, terms: DeliveryTerms = NO_TERMS
    ) -> Reply:
        """Hand one command to the sink, unless it is a redelivered copy of an id-less
        message already taken (``redelivery.py``); such a message is recorded in the send
        ledger under its keyed digest."""
        if self.news is None:
            return self._handle(command, redelivered, terms)
        with self.news.capture() as accepted:
            reply = self._handle(command, redelivered, terms)
        return filled_id(reply, accepted)

    def _handle(self, command: dict[str, Any], redelivered: bool, terms: DeliveryTerms) -> Reply:
        guard = self.redelivery
        digest = guard.digest(command)
        if digest is None:
            return self.sink.handle(command, source=self.name, terms=terms)
        repeat = guard.taken(str(command.get("command")), digest, redelivered)
        if repeat is not None:
            return repeat
        reply = self.sink.handle(
            command, source=self.name, terms=replace(terms, redelivery_key=digest)
        )
        guard.finished(digest, reply)  # nothing went out: a redelivery may try again
        return reply


__all__ = ["CommandSink", "Feeder", "FeederStatus", "default_terms"]
