"""Start, restart and stop the feeders to match the settings, at run time."""

from __future__ import annotations

import logging
import threading
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

    def stop(self) -> None:
        """Stop every feeder."""
        with self._lock:
            running, self._running = dict(self._running), {}
        for _, feeder in running.values():
            feeder.stop()
