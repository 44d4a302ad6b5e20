"""Start, restart and stop the feeders to match the settings, at run time.

A feeder whose settings change is stopped and started again with the new ones; one that is
disabled is stopped. Each kind keeps its history for the whole process (``_History``): its
counts (every instance counts into the same ``FeederTally``, so ``/metrics`` counters never
go back), how often it was restarted and when. Each start, restart and stop is shown in the
monitor's event list (an event of kind ``feeder``, never counted as a request).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from otpbroker.feeders.base import CommandSink, Feeder, FeederStatus
from otpbroker.feeders.redelivery import RedeliveryGuard
from otpbroker.feeders.replies import FOLLOWED, FeederNews, RouteBook
from otpbroker.feeders.tally import FeederTally
from otpbroker.services.events import SmsEvent
from otpbroker.services.fleet_names import device_name
from otpbroker.services.route_classes import ConsumptionPlanner
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

FeederFactory = Callable[[CommandSink, Mapping[str, Any]], Feeder]

SETTINGS_CHANGED = "settings changed"
ENABLED = "enabled"
DISABLED = "disabled"
DEVICE = "fleet_device"
"""The key of this device's fleet name in every feeder's settings (its connection name)."""


class EventNotes(Protocol):
    """Where the feeders' starts, restarts and stops are shown (``EventLog``)."""

    def note(self, event: SmsEvent) -> None:
        """Show an event that is not a request, without counting it."""
        ...


def feeder_settings(settings: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The ``feeders.<name>.*`` settings with the prefix removed, and this device's fleet
    name (``DEVICE``: a new name restarts the feeder under it)."""
    prefix = f"feeders.{name}."
    wanted = {key[len(prefix) :]: value for key, value in settings.items()
              if key.startswith(prefix)}  # fmt: skip
    wanted[DEVICE] = device_name(str(settings.get("fleet.device_name") or ""))
    return wanted


def lifecycle_event(name: str, outcome: str, reason: str, at: float) -> SmsEvent:
    """A feeder's start, restart or stop as the monitor shows it (no recipient, no modem)."""
    return SmsEvent(at=at, source=name, user=None, recipient="", modem_id=None,
                    outcome=outcome, duration=0.0, code=reason, kind="feeder")  # fmt: skip


@dataclass
class _History:
    """What a feeder kind keeps across its instances."""

    tally: FeederTally = field(default_factory=FeederTally)
    restarts: int = 0
    restarted_at: float | None = None
    routes: RouteBook | None = None
    """The messages whose later events go to their request's reply address: they outlive
    a restart for new settings."""


class RunningFeeders(Protocol):
    """What ``reconnect_feeders`` needs of the manager: the kinds and their running feeders."""

    def statuses(self) -> list[FeederStatus]:
        """A status (with ``name``) of each feeder kind."""
        ...

    def feeder(self, name: str) -> Feeder | None:
        """The running feeder of a kind, or None."""
        ...


def reconnect_feeders(feeders: RunningFeeders) -> None:
    """Make every running feeder drop its connection and connect again at once
    (``Feeder.reconnect``). One failing never stops the rest."""
    for status in feeders.statuses():
        feeder = feeders.feeder(status.name)
        if feeder is not None:
            try:
                feeder.reconnect()
            except Exception:
                log.warning("feeder %s: reconnect failed", status.name, exc_info=True)


class FeederManager:
    """Keeps one running feeder per enabled kind, restarted when its settings change."""

    def __init__(
        self,
        sink: CommandSink,
        factories: Mapping[str, FeederFactory],
        redelivery: RedeliveryGuard | None = None,
        events: EventNotes | None = None,
        clock: Callable[[], float] = time.time,
        planner: ConsumptionPlanner | None = None,
    ) -> None:
        """``redelivery``: the guard every feeder shares (None: the process's memory-only
        one); ``events``: where starts, restarts and stops are shown (None: only logged);
        ``planner``: which queues to consume from the modems that can send (None: all)."""
        self._planner = planner
        self._sink = sink
        self._redelivery = redelivery
        self._events = events
        self._clock = clock
        self._factories = dict(factories)
        self._lock = threading.Lock()
        self._running: dict[str, tuple[dict[str, Any], Feeder]] = {}
        self._history = {name: _History() for name in self._factories}
        self._stopping: list[Feeder] = []  # the feeders a stop under way waits for
        self._hurried = False  # a stop was hurried (perhaps before it reached the feeders)
        self._bus: TwoWayBus | None = None
        self._report_wait: Callable[[], float] = lambda: 0.0

    def attach_news(self, bus: TwoWayBus, report_wait: Callable[[], float]) -> None:
        """Feeders started from now on send replies, status events and received SMS back
        (``report_wait``: seconds a message's later events are still sent to its request's
        reply address, ``status.report_wait_seconds``)."""
        with self._lock:
            self._bus, self._report_wait = bus, report_wait

    def apply(self, settings: Mapping[str, Any]) -> None:
        """Start, restart or stop feeders so they match ``settings``."""
        with self._lock:
            for name, factory in self._factories.items():
                wanted = feeder_settings(settings, name)
                enabled = bool(wanted.get("enabled"))
                current = self._running.get(name)
                if current is not None and enabled and current[0] == wanted:
                    continue
                reason = SETTINGS_CHANGED if enabled else DISABLED
                if current is not None:
                    log.info("%s feeder stopping (%s)", name, reason)
                    current[1].stop()
                    del self._running[name]
                    if not enabled:
                        self._tell(name, "stopped", reason)
                if enabled:
                    self._start(name, factory, wanted, restart=current is not None)

    def _start(
        self, name: str, factory: FeederFactory, wanted: dict[str, Any], restart: bool
    ) -> None:
        """Start a new instance of ``name`` that counts on in the kind's tally."""
        history = self._history[name]
        feeder = factory(self._sink, wanted)
        if self._redelivery is not None:
            feeder.redelivery = self._redelivery
        feeder.planner = self._planner
        if self._bus is not None:
            wait = float(self._report_wait())
            if history.routes is None:
                history.routes = RouteBook(FOLLOWED, wait, time.monotonic)
            feeder.news = FeederNews(self._bus, wait, history.routes)
        feeder.tally = history.tally
        feeder.start()
        self._running[name] = (wanted, feeder)
        if restart:
            history.restarts += 1
            history.restarted_at = self._clock()
            self._tell(name, "restarted", SETTINGS_CHANGED)
        else:
            self._tell(name, "started", ENABLED)

    def _tell(self, name: str, outcome: str, reason: str) -> None:
        log.info("%s feeder %s: %s", name, outcome, reason)
        if self._events is not None:
            self._events.note(lifecycle_event(name, outcome, reason, self._clock()))

    def statuses(self) -> list[FeederStatus]:
        """Status of every feeder kind (``disabled`` when not running), with its history."""
        with self._lock:
            running = {name: entry[1] for name, entry in self._running.items()}
            history = {name: replace(kept) for name, kept in self._history.items()}
        return [self._status(name, running.get(name), history[name]) for name in self._factories]

    @staticmethod
    def _status(name: str, feeder: Feeder | None, history: _History) -> FeederStatus:
        status = feeder.status if feeder is not None else FeederStatus(name, state="disabled")
        return replace(status, **history.tally.counts(), restarts=history.restarts,
                       restarted_at=history.restarted_at)  # fmt: skip

    def feeder(self, name: str) -> Feeder | None:
        """The running feeder of a kind, if any."""
        with self._lock:
            entry = self._running.get(name)
        return entry[1] if entry else None

    def reconnect(self) -> None:
        """Reconnect every running feeder over the new route after an uplink switch
        (``reconnect_feeders``)."""
        reconnect_feeders(self)

    def stop(self, drain: float | None = None) -> None:
        """Stop every feeder, all at once: each stops taking messages, gives back what it
        has not started and settles what is in progress, waiting up to ``drain`` seconds for
        it (None: the feeder's own bound). A ``hurry()`` meanwhile shortens the waits."""
        with self._lock:
            running, self._running = dict(self._running), {}
            self._stopping = [feeder for _, feeder in running.values()]
            hurried = self._hurried
        threads: list[tuple[threading.Thread, float]] = []
        for feeder in self._stopping:
            if drain is not None:
                feeder.drain_seconds = drain
            if hurried:
                feeder.hurry()
            join = feeder.drain_seconds + 10.0  # the drain, then the connection's close
            thread = threading.Thread(target=feeder.stop, args=(join,),
                                      name=f"stop-{feeder.name}", daemon=True)  # fmt: skip
            thread.start()
            threads.append((thread, time.monotonic() + join + 5.0))
        for thread, until in threads:
            thread.join(max(0.0, until - time.monotonic()))
            if thread.is_alive():
                log.warning("%s still stopping; not waited for", thread.name)

    def hurry(self) -> None:
        """Shorten a stop under way (``Feeder.hurry``)."""
        with self._lock:
            self._hurried = True
            stopping = list(self._stopping)
        for feeder in stopping:
            feeder.hurry()
