"""Reads each running modem's queue depth and signal every ``every`` seconds into the
activity series (``services.activity_series``): one small thread, started and stopped with
the broker. A failed reading is logged and the next one tried as usual."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from otpbroker.services.activity_series import ActivitySeries

log = logging.getLogger(__name__)

SAMPLE_SECONDS = 15.0


class ModemSamples(Protocol):
    """The running modems (``modem.pool.ModemPool``)."""

    def queue_depths(self) -> dict[str, int]:
        """Messages queued for each running modem."""
        ...

    def statuses(self) -> list[Any]:
        """A status of each running modem (``modem_id``, ``network.signal_percent``)."""
        ...


class ActivitySampler:
    """The thread that samples queue depth and signal."""

    def __init__(self, series: ActivitySeries, modems: ModemSamples,
                 every: float = SAMPLE_SECONDS) -> None:  # fmt: skip
        """Samples ``modems`` into ``series`` every ``every`` seconds once started."""
        self._series = series
        self._modems = modems
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        """Take one reading now."""
        signals = {s.modem_id: getattr(s.network, "signal_percent", None)
                   for s in self._modems.statuses()}  # fmt: skip
        queues = self._modems.queue_depths()
        self._series.sample({m: queues.get(m, 0) for m in signals} | queues, signals)

    def start(self) -> None:
        """Start sampling (a reading at once, then every ``every`` seconds)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="activity-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5.0)

    def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a reading must never end the sampling
                log.exception("activity sample failed")
            if self._stop.wait(self._every):
                return


__all__ = ["SAMPLE_SECONDS", "ActivitySampler", "ModemSamples"]
