"""``/metrics`` lines of the two-way part: status reports, the delivery ratio, received SMS
and readiness.

The delivery ratio is a gauge over the last hour (the same numbers as the monitor's
charts), so a dashboard or a plain scraper shows it without PromQL; the counters
``otpbroker_sms_delivery_reports_total`` are there too for any other window
(``increase(...{result="delivered"}[1d]) / increase(...[1d])`` summed by modem).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from otpbroker.web.metrics import label

#: The ``result`` label values of a status report.
REPORT_RESULTS = (("delivered", "delivered"), ("not_delivered", "not_delivered"))


class TwoWayReadings(Protocol):
    """Counts since start and the last hour's ratio (``services.activity_series``)."""

    def totals(self) -> dict[tuple[str, str], int]:
        """``{(metric, modem): count}`` since start."""
        ...

    def delivery_ratio(self) -> dict[str, float]:
        """``{modem: delivered share}`` of the last hour's status reports."""
        ...


def two_way_lines(readings: TwoWayReadings, ready: bool | None) -> list[str]:
    """Status reports, delivery ratio and received SMS by modem; readiness (None: unknown,
    no line)."""
    totals = readings.totals()
    return (
        _report_lines(totals)
        + _ratio_lines(readings.delivery_ratio())
        + _inbound_lines(totals)
        + _ready_lines(ready)
    )


def _report_lines(totals: Mapping[tuple[str, str], int]) -> list[str]:
    name = "otpbroker_sms_delivery_reports_total"
    lines = [
        f"# HELP {name} Status reports received, by modem and result.",
        f"# TYPE {name} counter",
    ]
    modems = sorted({m for metric, m in totals if metric in ("delivered", "not_delivered")})
    for modem in modems:
        for metric, result in REPORT_RESULTS:
            lines.append(f'{name}{{modem="{label(modem)}",result="{result}"}} '
                         f"{totals.get((metric, modem), 0)}")  # fmt: skip
    return lines


def _ratio_lines(ratios: Mapping[str, float]) -> list[str]:
    name = "otpbroker_sms_delivery_ratio"
    lines = [
        f"# HELP {name} Share of the last hour's status reports that said delivered, by modem "
        "(no sample for a modem without a report in the hour).",
        f"# TYPE {name} gauge",
    ]
    lines += [f'{name}{{modem="{label(modem)}"}} {ratio:.4f}'
              for modem, ratio in sorted(ratios.items())]  # fmt: skip
    return lines


def _inbound_lines(totals: Mapping[tuple[str, str], int]) -> list[str]:
    name = "otpbroker_inbound_sms_total"
    lines = [f"# HELP {name} SMS received, by modem.", f"# TYPE {name} counter"]
    counts = sorted((modem, count) for (metric, modem), count in totals.items()
                    if metric == "inbound")  # fmt: skip
    lines += [f'{name}{{modem="{label(modem)}"}} {count}' for modem, count in counts]
    return lines


def _ready_lines(ready: bool | None) -> list[str]:
    if ready is None:
        return []
    return [
        "# HELP otpbroker_ready 1 when the device can take OTPs now (as /health/ready), else 0.",
        "# TYPE otpbroker_ready gauge",
        f"otpbroker_ready {int(ready)}",
    ]


__all__ = ["TwoWayReadings", "two_way_lines"]
