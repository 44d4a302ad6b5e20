"""What ``/metrics`` shows of each modem's sends: a latency histogram and ``+CMS ERROR`` counts.

The owner thread of a modem times each send from its first ``AT+CMGS`` to its last part's
result (``runner.py``) and hands the result here. Only sends that ended ``sent`` enter the
histogram (a failed or unknown send's time says how long an error took, not how long an SMS
takes). A send that failed on ``+CMS ERROR: n`` is counted by the class of ``n``
(``domain.send_errors.ErrorClass``), never by free text. Kept in memory, thread-safe.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.send_errors import classify

#: Upper bounds (seconds) of the histogram's buckets; ``+Inf`` is implied.
SEND_BUCKETS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)


@dataclass(frozen=True)
class HistogramView:
    """A histogram at one moment: cumulative counts per upper bound, the sum and the count."""

    buckets: tuple[tuple[float, int], ...]
    """``(upper bound, observations <= it)``, bounds ascending, counts cumulative."""
    total: float
    count: int


class Histogram:
    """Observations counted into fixed buckets (not thread-safe alone: ``SendMetrics`` locks)."""

    def __init__(self, bounds: tuple[float, ...] = SEND_BUCKETS) -> None:
        self._bounds = bounds
        self._counts = [0] * (len(bounds) + 1)  # the last one is above every bound
        self._total = 0.0

    def observe(self, value: float) -> None:
        """Count one observation."""
        self._counts[bisect.bisect_left(self._bounds, value)] += 1
        self._total += value

    def view(self) -> HistogramView:
        """Cumulative counts per bound, the sum and the count."""
        running, buckets = 0, []
        for bound, count in zip(self._bounds, self._counts, strict=False):
            running += count
            buckets.append((bound, running))
        return HistogramView(tuple(buckets), self._total, sum(self._counts))


class SendMetrics:
    """Each modem's send-latency histogram and ``+CMS ERROR`` counts by class. Thread-safe."""

    def __init__(self, bounds: tuple[float, ...] = SEND_BUCKETS) -> None:
        self._bounds = bounds
        self._lock = threading.Lock()
        self._histograms: dict[str, Histogram] = {}
        self._cms: dict[tuple[str, str], int] = {}

    def record(self, modem_id: str, outcome: SendOutcome, code: str | None, seconds: float) -> None:
        """One send on ``modem_id`` ended with ``outcome`` (``code``: its error code) after
        ``seconds`` on the air."""
        cms_class = _cms_class(code)
        with self._lock:
            if outcome is SendOutcome.SENT:
                histogram = self._histograms.setdefault(modem_id, Histogram(self._bounds))
                histogram.observe(max(0.0, seconds))
            if cms_class is not None:
                key = (modem_id, cms_class)
                self._cms[key] = self._cms.get(key, 0) + 1

    def histograms(self) -> dict[str, HistogramView]:
        """The send-latency histogram of each modem that sent something."""
        with self._lock:
            return {modem_id: h.view() for modem_id, h in self._histograms.items()}

    def cms_errors(self) -> dict[tuple[str, str], int]:
        """``+CMS ERROR`` answers to sends, by (modem, class)."""
        with self._lock:
            return dict(self._cms)

    @property
    def bounds(self) -> tuple[float, ...]:
        """The histogram's bucket bounds."""
        return self._bounds


def _cms_class(code: str | None) -> str | None:
    """The class of a ``CMS<n>`` code; None for any other code (or none)."""
    if not code or not code.upper().startswith("CMS"):
        return None
    info = classify(code)
    return info.error_class.value if info is not None else None


__all__ = ["SEND_BUCKETS", "Histogram", "HistogramView", "SendMetrics"]
