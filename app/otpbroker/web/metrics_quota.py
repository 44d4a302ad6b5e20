"""``/metrics`` lines of SIM pacing: each modem's use of its caps and the refusals for quota."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from otpbroker.web.metrics import label

WINDOWS = ("hour", "day", "recipients_month")


def quota_lines(views: Iterable[Any], refused: Mapping[str, int]) -> list[str]:
    """Gauges of counts and caps per modem and window (``modem.pacing.QuotaView``; a cap of
    0 is no cap), and the counter of sends refused because every candidate was capped."""
    views = list(views)
    sent = [
        "# HELP otpbroker_modem_sim_sent SMS counted against the SIM's cap, by window.",
        "# TYPE otpbroker_modem_sim_sent gauge",
    ]
    caps = [
        "# HELP otpbroker_modem_sim_cap The SIM's cap by window (0 = no cap).",
        "# TYPE otpbroker_modem_sim_cap gauge",
    ]
    for view in views:
        modem = label(view.modem_id)
        used = (view.hour, view.day, view.recipients)
        cap = (view.rule.per_hour, view.rule.per_day, view.rule.recipients_per_month)
        for window, count, limit in zip(WINDOWS, used, cap, strict=True):
            sent.append(f'otpbroker_modem_sim_sent{{modem="{modem}",window="{window}"}} {count}')
            caps.append(f'otpbroker_modem_sim_cap{{modem="{modem}",window="{window}"}} {limit}')
    refusals = [
        "# HELP otpbroker_quota_refusals_total Sends refused because every candidate modem "
        "was at a cap, counted for each of those modems.",
        "# TYPE otpbroker_quota_refusals_total counter",
    ]
    for view in views:
        refusals.append(
            f'otpbroker_quota_refusals_total{{modem="{label(view.modem_id)}"}} '
            f"{refused.get(view.modem_id, 0)}"
        )
    return sent + caps + refusals


__all__ = ["quota_lines"]
