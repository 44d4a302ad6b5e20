"""How the last hour and the last day went, per modem: the monitor's charts and a few metrics.

Kept in memory only, in fixed time buckets: 60 one-minute buckets (the last hour) and 96
fifteen-minute buckets (the last day). Each bucket holds, per modem:

- counts: ``sent``; ``failed`` (a request that ended ``failed``, ``expired`` or ``unknown``:
  none of them can be counted as sent, and an ``unknown`` one is never resent);
  ``delivered`` and ``not_delivered`` (status reports, from the two-way bus); ``inbound``
  (received SMS, from the bus);
- gauges: ``latency`` (seconds from a request's arrival to its outcome, for sent ones),
  ``queue`` (messages queued for the modem) and ``signal`` (percent), the last two sampled
  by ``ActivitySampler`` every few seconds. A gauge keeps the sum, count and maximum of its
  readings in a bucket.

Nothing is written to disk and nothing but modem ids, counts and times is kept. Memory is
bounded: buckets older than their window are dropped, and past ``max_modems`` different
modem ids the rest are counted as ``other``. Every method is thread-safe and constant-time
under one lock, so the listeners may run on the producer's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.services.events import SmsEvent

COUNTS = ("sent", "failed", "delivered", "not_delivered", "inbound")
GAUGES = ("latency", "queue", "signal")
#: SmsEvent outcomes counted as ``failed``.
FAILED_OUTCOMES = frozenset({"failed", "expired", "unknown"})
#: The series name of requests that ended without a modem (none could take them).
NO_MODEM = "none"
OTHER = "other"


@dataclass(frozen=True)
class Window:
    """A chart's span: ``count`` buckets of ``width`` seconds."""

    name: str
    width: int
    count: int

    @property
    def seconds(self) -> int:
        """The whole span."""
        return self.width * self.count


HOUR = Window("hour", 60, 60)
DAY = Window("day", 900, 96)
WINDOWS = {w.name: w for w in (HOUR, DAY)}


@dataclass
class _Gauge:
    total: float = 0.0
    count: int = 0
    peak: float = 0.0

    def add(self, value: float) -> None:
        self.peak = value if self.count == 0 else max(self.peak, value)
        self.total += value
        self.count += 1


@dataclass
class _Cell:
    counts: dict[str, int] = field(default_factory=dict)
    gauges: dict[str, _Gauge] = field(default_factory=dict)


@dataclass(frozen=True)
class ActivityView:
    """One window at one moment: bucket start times and each modem's values, oldest first."""

    window: Window
    starts: tuple[float, ...]
    modems: tuple[str, ...]
    _cells: Mapping[tuple[int, str], _Cell]
    _first: int

    def counts(self, metric: str) -> dict[str, list[int]]:
        """``{modem: [count per bucket]}`` of a count metric (``COUNTS``)."""
        return {
            modem: [self._cell(i, modem).counts.get(metric, 0) for i in range(len(self.starts))]
            for modem in self.modems
        }

    def gauge(self, metric: str, how: str = "mean") -> dict[str, list[float | None]]:
        """``{modem: [mean or max per bucket, None where nothing was read]}`` of a gauge; only
        modems with at least one reading."""
        found: dict[str, list[float | None]] = {}
        for modem in self.modems:
            values = [_gauge_value(self._cell(i, modem).gauges.get(metric), how)
                      for i in range(len(self.starts))]  # fmt: skip
            if any(v is not None for v in values):
                found[modem] = values
        return found

    def total(self, metric: str) -> dict[str, int]:
        """``{modem: count over the whole window}`` of a count metric."""
        return {modem: sum(values) for modem, values in self.counts(metric).items()}

    def _cell(self, offset: int, modem: str) -> _Cell:
        return self._cells.get((self._first + offset, modem)) or _Cell()


def _gauge_value(gauge: _Gauge | None, how: str) -> float | None:
    if gauge is None or gauge.count == 0:
        return None
    return gauge.peak if how == "max" else gauge.total / gauge.count


class ActivitySeries:
    """Per-modem activity in time buckets for the last hour and day, plus running totals."""

    def __init__(self, clock: Callable[[], float] = time.time, max_modems: int = 32) -> None:
        """``clock``: wall-clock seconds (injectable); ``max_modems``: distinct modem ids
        kept before the rest count as ``other``."""
        self._clock = clock
        self._max_modems = max_modems
        self._lock = threading.Lock()
        self._cells: dict[str, dict[tuple[int, str], _Cell]] = {name: {} for name in WINDOWS}
        self._totals: dict[tuple[str, str], int] = {}
        self._modems: set[str] = set()

    # -- listeners (each runs on its producer's thread: short, never blocking) --------------

    def on_sms(self, event: SmsEvent) -> None:
        """A finished request (``EventLog`` listener): sent, failed, and a sent one's time."""
        if event.kind != "sms":
            return
        modem = event.modem_id or NO_MODEM
        if event.outcome == "sent":
            self._record(modem, "sent", latency=max(0.0, float(event.duration)))
        elif event.outcome in FAILED_OUTCOMES:
            self._record(modem, "failed")

    def on_status(self, event: StatusEvent) -> None:
        """A status event (two-way bus): a status report's ``delivered``/``not-delivered``."""
        if event.state is MessageState.DELIVERED:
            self._record(event.modem_id or NO_MODEM, "delivered")
        elif event.state is MessageState.NOT_DELIVERED:
            self._record(event.modem_id or NO_MODEM, "not_delivered")

    def on_inbound(self, sms: InboundSms) -> None:
        """A received SMS (two-way bus): counted, its sender and text never kept."""
        self._record(sms.modem_id, "inbound")

    def sample(self, queues: Mapping[str, int], signals: Mapping[str, int | None]) -> None:
        """One reading of each modem's queue depth and signal (``None``: not known)."""
        with self._lock:
            now = self._clock()
            for modem, depth in queues.items():
                self._gauge(now, self._name(modem), "queue", float(depth))
            for modem, signal in signals.items():
                if signal is not None:
                    self._gauge(now, self._name(modem), "signal", float(signal))

    # -- readings ----------------------------------------------------------------------------

    def view(self, window: Window) -> ActivityView:
        """``window`` now: its buckets (the last one still filling) and every modem seen."""
        with self._lock:
            last = int(self._clock() // window.width)
            first = last - window.count + 1
            self._prune(window, first)
            cells = {key: _copy(cell) for key, cell in self._cells[window.name].items()}
        modems = tuple(sorted({modem for _, modem in cells}))
        starts = tuple(float((first + i) * window.width) for i in range(window.count))
        return ActivityView(window, starts, modems, cells, first)

    def totals(self) -> dict[tuple[str, str], int]:
        """``{(metric, modem): count}`` since start, for ``/metrics`` (counters never go
        back)."""
        with self._lock:
            return dict(self._totals)

    def delivery_ratio(self, window: Window = HOUR) -> dict[str, float]:
        """``{modem: delivered / (delivered + not delivered)}`` over ``window``; a modem
        without any status report in it is left out."""
        view = self.view(window)
        delivered, missed = view.total("delivered"), view.total("not_delivered")
        return {modem: delivered[modem] / (delivered[modem] + missed[modem])
                for modem in view.modems if delivered[modem] + missed[modem]}  # fmt: skip

    # -- inside ------------------------------------------------------------------------------

    def _record(self, modem_id: str, metric: str, latency: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            modem = self._name(modem_id)
            self._totals[(metric, modem)] = self._totals.get((metric, modem), 0) + 1
            for window in WINDOWS.values():
                cell = self._cell(window, now, modem)
                cell.counts[metric] = cell.counts.get(metric, 0) + 1
            if latency is not None:
                self._gauge(now, modem, "latency", latency)

    def _gauge(self, now: float, modem: str, metric: str, value: float) -> None:
        for window in WINDOWS.values():
            self._cell(window, now, modem).gauges.setdefault(metric, _Gauge()).add(value)

    def _name(self, modem_id: str) -> str:
        """The series a modem id counts in (``other`` past ``max_modems`` ids)."""
        if modem_id in self._modems:
            return modem_id
        if len(self._modems) >= self._max_modems:
            return OTHER
        self._modems.add(modem_id)
        return modem_id

    def _cell(self, window: Window, now: float, modem: str) -> _Cell:
        index = int(now // window.width)
        cells = self._cells[window.name]
        cell = cells.get((index, modem))
        if cell is None:
            self._prune(window, index - window.count + 1)
            cell = cells[(index, modem)] = _Cell()
        return cell

    def _prune(self, window: Window, first: int) -> None:
        cells = self._cells[window.name]
        for key in [key for key in cells if key[0] < first]:
            del cells[key]


def _copy(cell: _Cell) -> _Cell:
    gauges = {name: _Gauge(g.total, g.count, g.peak) for name, g in cell.gauges.items()}
    return _Cell(dict(cell.counts), gauges)


__all__ = [
    "COUNTS",
    "DAY",
    "GAUGES",
    "HOUR",
    "NO_MODEM",
    "OTHER",
    "WINDOWS",
    "ActivitySeries",
    "ActivityView",
    "Window",
]
