"""What the modems page shows of a SIM's pacing: used/cap per window and the next resets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otpbroker.i18n.formats import format_datetime, format_number
from otpbroker.i18n.translate import _
from otpbroker.web.metrics_assembler import QuotaReadings


def when(at: float | None) -> str:
    """A local time as the pages show it, in the reader's language ("" for None)."""
    return format_datetime(datetime.fromtimestamp(at).astimezone()) if at is not None else ""


def _used(count: int, cap: int) -> str:
    """``3/60``, or that it is not counted without a cap."""
    return f"{count}/{cap}" if cap else _("not counted (no cap)")


def _gap(min_gap: float, jitter: float) -> str:
    """The pause between sends: ``10 s + 0-5 s``."""
    return _("{gap} s + 0-{jitter} s").format(
        gap=format_number(min_gap), jitter=format_number(jitter)
    )


def quota_view(view: Any) -> dict[str, Any]:
    """One ``QuotaView`` as the page shows it."""
    rule = view.rule
    return {
        "hour": _used(view.hour, rule.per_hour),
        "day": f"{view.day}/{rule.per_day}"
        if rule.per_day
        else _("{count} (no cap)").format(count=view.day),
        "recipients": _used(view.recipients, rule.recipients_per_month),
        "hour_room_at": when(view.hour_room_at),
        "day_reset": when(view.day_reset),
        "month_reset": when(view.month_reset),
        "back_at": when(view.back_at),
        "gap": _gap(rule.min_gap, rule.jitter) if rule.min_gap or rule.jitter else "",
        "refused": view.refused,
    }


def quota_by_id(quota: QuotaReadings | None) -> dict[str, dict[str, Any]]:
    """``quota_view`` of every configured modem by id ({} without pacing)."""
    if quota is None:
        return {}
    return {view.modem_id: quota_view(view) for view in quota.views()}


__all__ = ["quota_by_id", "quota_view", "when"]
