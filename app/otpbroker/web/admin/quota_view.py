"""What the modems page shows of a SIM's pacing: used/cap per window and the next resets."""

from __future__ import annotations

import time
from typing import Any

from otpbroker.web.metrics_assembler import QuotaReadings


def _when(at: float | None) -> str:
    """A local time as the page shows it ("" for None)."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at)) if at is not None else ""


def _used(count: int, cap: int) -> str:
    """``3/60``, or that it is not counted without a cap."""
    return f"{count}/{cap}" if cap else "not counted (no cap)"


def quota_view(view: Any) -> dict[str, Any]:
    """One ``QuotaView`` as the page shows it."""
    rule = view.rule
    return {
        "hour": _used(view.hour, rule.per_hour),
        "day": f"{view.day}/{rule.per_day}" if rule.per_day else f"{view.day} (no cap)",
        "recipients": _used(view.recipients, rule.recipients_per_month),
        "hour_room_at": _when(view.hour_room_at),
        "day_reset": _when(view.day_reset),
        "month_reset": _when(view.month_reset),
        "back_at": _when(view.back_at),
        "gap": f"{rule.min_gap:g} s + 0-{rule.jitter:g} s" if rule.min_gap or rule.jitter else "",
        "refused": view.refused,
    }


def quota_by_id(quota: QuotaReadings | None) -> dict[str, dict[str, Any]]:
    """``quota_view`` of every configured modem by id ({} without pacing)."""
    if quota is None:
        return {}
    return {view.modem_id: quota_view(view) for view in quota.views()}


__all__ = ["quota_by_id", "quota_view"]
