"""FleetView: what the admin's fleet page shows, and this device's heartbeat.

- Which devices consume which queues now: the broker's consumer list (RabbitMQ's management
  HTTP API at ``fleet.management_url``, with the RabbitMQ feeder's credentials); each
  device's feeder names its connection after the device (``fleet_names``).
- Each device's modems and counters: every device with ``fleet.enabled`` publishes a small
  heartbeat (names, states, counters; never a number or an IMSI) with an expiry to the
  shared store, every ``BEAT_SECONDS``; a device that stops beating drops off the list.
- Which device sent a message id: the shared ledger (ids, device names, states only).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from otpbroker.domain.fleet import (
    ConsumerList,
    DeviceBeat,
    FleetBeats,
    ModemBeat,
    ModemCounts,
    QueueConsumer,
    SharedClaim,
)
from otpbroker.domain.ports import Settings
from otpbroker.services.fleet_names import connection_name
from otpbroker.services.shared_ledger import LedgerState, SharedClaims

log = logging.getLogger(__name__)

BEAT_SECONDS = 10.0
#: A heartbeat not renewed within this many seconds is gone.
BEAT_TTL_SECONDS = 35.0
ConsumersFactory = Callable[[str, str, str], ConsumerList]
"""``(management URL, user name, password)`` -> the consumer list adapter."""


@dataclass(frozen=True)
class Consumers:
    """The consumer list, or why it could not be read (``error``), or None: not set up."""

    listed: tuple[QueueConsumer, ...] = ()
    error: str | None = None
    configured: bool = True


class FleetView:
    """The fleet as this device sees it; ``start`` beats until ``stop``."""

    def __init__(
        self,
        settings: Settings,
        claims: SharedClaims,
        beats: Callable[[str], FleetBeats],
        consumers: ConsumersFactory,
        modems: Callable[[], Sequence[ModemCounts]],
    ) -> None:
        """``beats(url)`` reaches the shared store's heartbeats; ``modems()`` this device's
        modem statuses."""
        self._settings = settings
        self._claims = claims
        self._beats = beats
        self._consumers = consumers
        self._modems = modems
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._store_at: tuple[str, FleetBeats] | None = None

    def ledger_state(self) -> LedgerState:
        """The shared ledger's state (off, reachable, unreachable and why)."""
        return self._claims.state()

    def connection_name(self) -> str:
        """The name this device's RabbitMQ feeder gives its connections (``…`` for the
        token that differs from one connection to the next)."""
        return connection_name(self._claims.device, "rabbitmq", "…")

    def devices(self) -> list[DeviceBeat]:
        """Every device beating now (empty when the fleet is off); OSError if unreachable."""
        if not self._claims.enabled:
            return []
        return sorted(self._store().beats(), key=lambda beat: beat.device)

    def consumers(self) -> Consumers:
        """The broker's consumers now, or why not."""
        url = str(self._settings.get("fleet.management_url") or "")
        if not url:
            return Consumers(configured=False)
        user = str(self._settings.get("feeders.rabbitmq.username") or "")
        password = str(self._settings.get("feeders.rabbitmq.password") or "")
        try:
            return Consumers(tuple(self._consumers(url, user, password).consumers()))
        except OSError as exc:
            return Consumers(error=str(exc)[:300])

    def who_sent(self, message_id: str) -> SharedClaim | None:
        """The device holding ``message_id`` in the shared ledger; OSError if unreachable."""
        return self._claims.holder(f"sms:{message_id}")

    def beat(self) -> None:
        """Publish this device's heartbeat now (nothing when the fleet is off)."""
        if not self._claims.enabled:
            return
        self._claims.probe()  # the ledger's state (and alert) follows even with no message
        modems = tuple(ModemBeat(m.modem_id, m.state, m.sent, m.failed, m.unknown)
                       for m in self._modems())  # fmt: skip
        beat = DeviceBeat(self._claims.device, time.time(), modems, self._claims.boot)
        self._store().beat(beat, BEAT_TTL_SECONDS)

    def start(self) -> None:
        """Beat every ``BEAT_SECONDS`` on a thread of its own."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fleet-beat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating (the heartbeat expires on its own)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _store(self) -> FleetBeats:
        """The heartbeats' store at ``fleet.ledger_url`` (made again when it changes)."""
        url = str(self._settings.get("fleet.ledger_url") or "")
        with self._lock:
            if self._store_at is None or self._store_at[0] != url:
                self._store_at = (url, self._beats(url))
            return self._store_at[1]

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.beat()
                failing = False
            except OSError as exc:
                if not failing:  # the shared ledger's own alert tells the administrator
                    log.warning("fleet heartbeat not published: %s", exc)
                failing = True
            self._stop.wait(BEAT_SECONDS)


__all__ = ["BEAT_SECONDS", "Consumers", "FleetView"]
