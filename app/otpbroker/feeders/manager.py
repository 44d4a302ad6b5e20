"""Start, restart and stop the feeders to match the settings, at run time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.feeders.base import CommandSink, Feeder, FeederStatus
from otpbroker.feeders.redelivery import RedeliveryGuard

log = logging.getLogger(__name__)

FeederFactory = Callable[[CommandSink, Mapping[str, Any]], Feeder]


def feeder_settings(settings: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The ``feeders.<name>.*`` settings with the prefix removed."""
    prefix = f"feeders.{name}."
    return {key[len(prefix) :]: value for key, value in settings.items() if key.startswith(prefix)}


class FeederManager:
    """Keeps one running feeder per enabled kind, restarted when its settings change."""

    def __init__(
        self,
        sink: CommandSink,
        factories: Mapping[str, FeederFactory],
        redelivery: RedeliveryGuard | None = None,
    ) -> None:
        """``redelivery``: the guard every feeder shares (None: the process's memory-only
        one)."""
        self._sink = sink
        self._redelivery = redelivery
        self._factories = dict(factories)
        self._lock = threading.Lock()
        self._running: dict[str, tuple[dict[str, Any], Feeder]] = {}
        self._stopping: list[Feeder] = []  # the feeders a stop under way waits for
        self._hurried = False  # a stop was hurried (perhaps before it reached the feeders)

    def apply(self, settings: Mapping[str, Any]) -> None:
        """Start, restart or stop feeders so they match ``settings``."""
        with self._lock:
            for name, factory in self._factories.items():
                wanted = feeder_settings(settings, name)
                current = self._running.get(name)
                if current is not None and (not wanted.get("enabled") or current[0] != wanted):
                    log.info("%s feeder stopping (%s)", name, "settings changed")
                    current[1].stop()
                    del self._running[name]
                    current = None
                if current is None and wanted.get("enabled"):
                    feeder = factory(self._sink, wanted)
                    if self._redelivery is not None:
                        feeder.redelivery = self._redelivery
                    feeder.start()
                    self._running[name] = (wanted, feeder)
                    log.info("%s feeder started", name)

    def statuses(self) -> list[FeederStatus]:
        """Status of every feeder kind (``disabled`` when not running)."""
        with self._lock:
            running = dict(self._running)
        return [
            running[name][1].status if name in running else FeederStatus(name, state="disabled")
            for name in self._factories
        ]

    def feeder(self, name: str) -> Feeder | None:
        """The running feeder of a kind, if any."""
        with self._lock:
            entry = self._running.get(name)
        return entry[1] if entry else None

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
