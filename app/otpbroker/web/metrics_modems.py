"""``/metrics`` lines of each modem's sends: queue depth, send latency, ``+CMS ERROR`` classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from otpbroker.domain.send_errors import ErrorClass
from otpbroker.web.metrics import label

#: The classes a ``+CMS ERROR`` value can have (``no_sms_path`` comes from a diagnosis).
CMS_CLASSES: tuple[str, ...] = tuple(c.value for c in ErrorClass if c is not ErrorClass.NO_SMS_PATH)


class SendReadings(Protocol):
    """Each modem's queue and sends (``modem.pool.ModemPool``)."""

    def queue_depths(self) -> dict[str, int]:
        """Messages queued for each running modem."""
        ...

    def send_histograms(self) -> Mapping[str, Any]:
        """A ``modem.send_metrics.HistogramView`` of each modem that sent something."""
        ...

    def cms_errors(self) -> dict[tuple[str, str], int]:
        """``+CMS ERROR`` answers to sends, by (modem, class)."""
        ...


def send_lines(readings: SendReadings) -> list[str]:
    """The three families of per-modem send metrics, read now."""
    depths = readings.queue_depths()
    histograms = readings.send_histograms()
    cms = readings.cms_errors()
    modems = sorted(set(depths) | set(histograms) | {modem for modem, _ in cms})
    return _depth_lines(depths) + _latency_lines(histograms) + _cms_lines(modems, cms)


def _depth_lines(depths: Mapping[str, int]) -> list[str]:
    lines = [
        "# HELP otpbroker_modem_queue_depth Messages queued for a modem now (waiting sends it "
        "could take, each counted for every modem it could take, and jobs not started yet).",
        "# TYPE otpbroker_modem_queue_depth gauge",
    ]
    lines += [f'otpbroker_modem_queue_depth{{modem="{label(modem)}"}} {depth}'
              for modem, depth in sorted(depths.items())]  # fmt: skip
    return lines


def _latency_lines(histograms: Mapping[str, Any]) -> list[str]:
    name = "otpbroker_sms_send_seconds"
    lines = [
        f"# HELP {name} Seconds from a message's first AT+CMGS to its last part's result, "
        "for sends that ended sent, by modem.",
        f"# TYPE {name} histogram",
    ]
    for modem, view in sorted(histograms.items()):
        modem_label = f'modem="{label(modem)}"'
        for bound, count in view.buckets:
            lines.append(f'{name}_bucket{{{modem_label},le="{_bound(bound)}"}} {count}')
        lines.append(f'{name}_bucket{{{modem_label},le="+Inf"}} {view.count}')
        lines.append(f"{name}_sum{{{modem_label}}} {view.total:.3f}")
        lines.append(f"{name}_count{{{modem_label}}} {view.count}")
    return lines


def _cms_lines(modems: list[str], cms: Mapping[tuple[str, str], int]) -> list[str]:
    name = "otpbroker_modem_cms_errors_total"
    lines = [
        f"# HELP {name} +CMS ERROR answers to sends, by modem and error class.",
        f"# TYPE {name} counter",
    ]
    for modem in modems:
        for error_class in CMS_CLASSES:
            lines.append(
                f'{name}{{modem="{label(modem)}",class="{error_class}"}} '
                f"{cms.get((modem, error_class), 0)}"
            )
    return lines


def _bound(bound: float) -> str:
    """A bucket bound as Prometheus clients write it (``1.0``, ``0.5``)."""
    return repr(float(bound))


__all__ = ["CMS_CLASSES", "SendReadings", "send_lines"]
