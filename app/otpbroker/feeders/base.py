"""What every feeder shares: a thread, reconnect with back-off, parsing, status, counters.

A subclass implements ``consume()``: connect, then deliver each raw message to
``self.dispatch(raw)`` until the connection ends or ``self.stopping`` is set. Any exception
from ``consume()`` is logged (once per distinct error) and retried after a back-off; a
malformed message never ends the loop.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypedDict, Unpack

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms
from otpbroker.feeders import redelivery
from otpbroker.feeders.messages import FeedError, parse_feed
from otpbroker.feeders.redelivery import forget_redeliveries as forget_redeliveries
from otpbroker.services.replies import Reply

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

    @property
    def connected(self) -> bool:
        """True while the feeder holds a working connection."""
        return self.state == "connected"


class _StatusChange(TypedDict, total=False):
    """The fields of FeederStatus that ``Feeder._set`` changes."""

    state: str
    last_error: str | None
    connected_since: float | None


class Feeder(ABC):
    """One consumer thread with its own connection."""

    name = "feeder"
    delays = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

    def __init__(
        self, sink: CommandSink, settings: Mapping[str, Any], concurrency: int = 16
    ) -> None:
        self.sink = sink
        self.settings = dict(settings)
        self.stopping = threading.Event()
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix=f"{self.name}-work")
        self._lock = threading.Lock()
        self._status = FeederStatus(self.name)
        self.redelivery = redelivery.shared()
        """Recognises redelivered id-less copies (the composition root gives every feeder
        one backed by the send ledger)."""
        self._thread = threading.Thread(target=self._run, name=f"feeder-{self.name}", daemon=True)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the consumer thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end, interrupt the connection, wait for the thread."""
        self.stopping.set()
        try:
            self.interrupt()
        except Exception:
            log.debug("%s: interrupt failed", self.name, exc_info=True)
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._executor.shutdown(wait=True)
        self._set(state="stopped", connected_since=None)

    def interrupt(self) -> None:  # noqa: B027 - optional hook
        """Wake a blocking consume() (close the socket); called from another thread."""

    @property
    def status(self) -> FeederStatus:
        """The latest status."""
        with self._lock:
            return self._status

    def _set(self, **changes: Unpack[_StatusChange]) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _count(self, field: str, amount: int = 1) -> None:
        with self._lock:
            self._status = replace(self._status, **{field: getattr(self._status, field) + amount})

    def mark_connected(self) -> None:
        """Called by consume() once the connection works."""
        self._set(state="connected", connected_since=time.time(), last_error=None)
        log.info("%s feeder connected", self.name)

    # -- the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self.stopping.is_set():
            self._set(state="connecting")
            started = time.monotonic()
            try:
                self.consume()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
                if error != self.status.last_error:  # log an error only when it changes
                    log.error("%s feeder: %s", self.name, error)
                self._set(state="error", last_error=error, connected_since=None)
            if self.stopping.is_set():
                break
            if time.monotonic() - started > 60:
                attempt = 0  # it ran for a while: start the back-off again
            delay = self.delays[min(attempt, len(self.delays) - 1)] * random.uniform(0.8, 1.2)
            attempt += 1
            self._count("reconnects")
            self.stopping.wait(delay)

    @abstractmethod
    def consume(self) -> None:
        """Connect and hand every message to dispatch() until the connection ends."""

    # -- messages ------------------------------------------------------------------------------
    def dispatch_async(
        self,
        raw: bytes | str,
        done: Callable[[list[Reply]], None] | None = None,
        redelivered: bool = False,
    ) -> None:
        """Run dispatch() on the worker pool; ``done(replies)`` afterwards (e.g. to ack).

        Blocks while ``concurrency`` messages are in progress (back-pressure).
        """
        self._slots.acquire()

        def work() -> None:
            try:
                replies = self.dispatch(raw, redelivered)
            finally:
                self._slots.release()
            if done is not None:
                try:
                    done(replies)
                except Exception:
                    log.exception("%s feeder: completion failed", self.name)

        self._executor.submit(work)

    def _run_command(self, command: dict[str, Any], redelivered: bool) -> Reply:
        guard = self.redelivery
        digest = guard.digest(command)
        if digest is None:
            return self.sink.handle(command, source=self.name)
        repeat = guard.taken(str(command.get("command")), digest, redelivered)
        if repeat is not None:
            return repeat
        terms = DeliveryTerms(redelivery_key=digest)  # recorded in the send ledger
        reply = self.sink.handle(command, source=self.name, terms=terms)
        guard.finished(digest, reply)  # nothing went out: a redelivery may try again
        return reply

    def dispatch(self, raw: bytes | str, redelivered: bool = False) -> list[Reply]:
        """Parse one raw message and run each command in it; never raises."""
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
        replies = []
        for command in batch.commands:
            try:
                reply = self._run_command(command, redelivered)
            except Exception:  # the sink must not raise, but a feeder must never die
                log.exception("%s feeder: command failed", self.name)
                self._count("rejected")
                continue
            if reply.code.http_status >= 400 and reply.code.http_status not in (502, 503):
                self._count("rejected")
                log.warning("%s feeder: %s refused: %s %s", self.name, reply.command,
                            reply.code.response_code, reply.text)  # fmt: skip
            else:
                self._count("processed")
            replies.append(reply)
        return replies
