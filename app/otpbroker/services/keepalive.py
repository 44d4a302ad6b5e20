"""Keep-alive: one short SMS from a SIM that sent nothing for ``keepalive_days``.

A prepaid SIM that sends nothing for its operator's active period is cut off; a modem with
a ``keepalive_number`` (a number, or ``own`` for the SIM's own MSISDN) gets a fixed text
(never an OTP) sent on it, in the BULK lane, with source ``keepalive``, once it was idle
that long. Idleness is read from the two-way bus (status ``sent`` per modem) and counted
from when the broker first saw a modem that sent nothing since. With a ``KeepAliveTimes``
store (ids and times only) that idleness survives restarts: a send is saved at most once a
``SAVE_SECONDS`` per modem, by the service's own thread (never the bus's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.domain.ports import KeepAliveTimes
from otpbroker.services.sms import SmsRequest
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

TEXT = "OTP Broker keep-alive"
SOURCE = "keepalive"
DAY = 86400.0
CHECK_SECONDS = 3600.0
SAVE_SECONDS = 60.0


@dataclass(frozen=True)
class KeepAliveResult:
    """A modem's last keep-alive: when, to whom (masked), and how it ended."""

    at: float
    number: str
    outcome: str


class KeepAlive:
    """Checks every modem's idleness and sends the keep-alive when due."""

    def __init__(
        self,
        bus: TwoWayBus,
        modems: Callable[[], Sequence[Mapping[str, Any]]],
        submit: Callable[[SmsRequest], object],
        *,
        clock: Callable[[], float] = time.time,
        check_seconds: float = CHECK_SECONDS,
        times: KeepAliveTimes | None = None,
    ) -> None:
        """``modems()``: the modem records; ``submit``: ``SmsService.submit``; ``times``:
        where the idleness is kept across restarts (None: memory only)."""
        self._modems, self._submit, self._clock = modems, submit, clock
        self._check, self._times = check_seconds, times
        self._since = clock()
        self._lock = threading.Lock()
        self._last_sent: dict[str, float] = times.load() if times is not None else {}
        self._saved = dict(self._last_sent)
        self._dirty = False
        self._wake = threading.Event()
        self._results: dict[str, KeepAliveResult] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        bus.subscribe_status(self._on_status)

    def _on_status(self, event: StatusEvent) -> None:
        """A message sent on a modem (the bus's thread): that modem is not idle."""
        if event.state is MessageState.SENT and event.modem_id:
            with self._lock:
                at = max(event.at, self._last_sent.get(event.modem_id, 0.0))
                self._last_sent[event.modem_id] = at
                if at - self._saved.get(event.modem_id, 0.0) >= SAVE_SECONDS:
                    self._dirty = True
                    self._wake.set()  # saved by the service's thread, not this one

    def due(self, record: Mapping[str, Any]) -> str | None:
        """The number the modem's keep-alive goes to now, or None (off, inactive, not idle
        long enough, or ``own`` with no MSISDN known)."""
        number = str(record.get("keepalive_number") or "")
        if not number or not record.get("active", True):
            return None
        if number == "own":
            number = str(record.get("msisdn") or "")
            if not number:
                return None
        days = int(record.get("keepalive_days") or 30)
        with self._lock:
            last = self._last_sent.get(str(record.get("id")), self._since)
        return number if self._clock() - last >= days * DAY else None

    def note_modems(self) -> None:
        """Start counting the idleness of every modem not seen before (from the service's
        start), so that a restart does not start it again."""
        ids = [str(record.get("id")) for record in self._modems()]
        with self._lock:
            for modem_id in ids:
                if modem_id not in self._last_sent:
                    self._last_sent[modem_id] = self._since
                    self._dirty = True

    def save(self) -> None:
        """Write the idleness times when something changed (no-op without a store); a
        write error is logged and tried again at the next change."""
        with self._lock:
            if self._times is None or not self._dirty:
                self._dirty = False
                return
            self._dirty, times = False, dict(self._last_sent)
        try:
            self._times.save(times)
        except OSError as exc:
            log.error("keep-alive times not saved: %s", type(exc).__name__)
            with self._lock:
                self._dirty = True
            return
        with self._lock:
            self._saved.update(times)

    def tick(self) -> list[str]:
        """Send every keep-alive that is due; the modems it was sent on."""
        self.note_modems()
        sent: list[str] = []
        for record in self._modems():
            number = self.due(record)
            if number is None:
                continue
            modem_id = str(record.get("id"))
            outcome = self._send(modem_id, number)
            now = self._clock()
            with self._lock:
                self._last_sent[modem_id] = now  # tried: not again before the next period
                self._results[modem_id] = KeepAliveResult(now, mask_msisdn(number), outcome)
                self._dirty = True
            sent.append(modem_id)
        self.save()
        return sent

    def _send(self, modem_id: str, number: str) -> str:
        request = SmsRequest(number, TEXT, source=SOURCE, modem_id=modem_id, lane=Lane.BULK)
        try:
            delivery = self._submit(request)
        except Exception as exc:  # refused (limits, no modem): noted, tried next period
            log.warning("modem %s: keep-alive not sent: %s", modem_id, exc)
            return f"not sent: {exc}"
        outcome = getattr(delivery, "outcome", None)
        return str(getattr(outcome, "value", outcome or "sent"))

    def idle_since(self, modem_id: str) -> float | None:
        """When the modem's idleness counts from (its last send, or when first seen)."""
        with self._lock:
            return self._last_sent.get(modem_id)

    def last(self, modem_id: str) -> KeepAliveResult | None:
        """The modem's last keep-alive, or None."""
        with self._lock:
            return self._results.get(modem_id)

    def start(self) -> None:
        """Check every ``check_seconds`` on a thread of its own."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="keepalive", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop checking."""
        self._stop.set()
        self._wake.set()  # the thread saves what is pending and ends
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        self._guarded(self.note_modems)
        next_check = time.monotonic() + self._check
        while not self._stop.is_set():
            self._guarded(self.save)
            self._wake.wait(max(0.0, next_check - time.monotonic()))
            self._wake.clear()
            if self._stop.is_set():
                break
            if time.monotonic() >= next_check:  # else woken by a send to save
                self._guarded(self.tick)
                next_check = time.monotonic() + self._check
        self._guarded(self.save)

    def _guarded(self, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as exc:  # a bad record must not stop the checks
            log.error("keep-alive check failed: %s", type(exc).__name__)


__all__ = ["SOURCE", "TEXT", "KeepAlive", "KeepAliveResult"]
