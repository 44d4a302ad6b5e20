"""A feeder's status as the admin shows it (the feeders page and the monitor)."""

from __future__ import annotations

import time
from dataclasses import asdict, is_dataclass
from typing import Any

from otpbroker.web.admin.feeder_names import LABELS

STATUS_FIELDS = ("state", "last_error", "received", "processed", "rejected", "reconnects",
                 "restarts", "news_sent", "news_dropped")  # fmt: skip


def _clock(at: float | None) -> str | None:
    """``2026-12-06 21:50:03`` in local time, or None."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else None


def feeder_json(status: Any) -> dict[str, Any]:
    """A ``FeederStatus`` as plain JSON values (no message text is in it): its state, counts
    since the process started, and its restarts (``restarted_at``: epoch seconds,
    ``restarted``: the same as local time, for people)."""
    data = asdict(status) if is_dataclass(status) and not isinstance(status, type) else {}
    name = str(data.get("name") or getattr(status, "name", ""))
    result: dict[str, Any] = {"name": name, "label": LABELS.get(name, name)}
    for key in (*STATUS_FIELDS, "connected_since", "restarted_at"):
        result[key] = data.get(key, getattr(status, key, None))
    result["restarts"] = result["restarts"] or 0
    result["restarted"] = _clock(result["restarted_at"])
    return result


class FeederWatch:
    """The feeders' statuses a monitor stream has told its client: tells what changed."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, Any]] = {}

    def changed(self, statuses: list[Any]) -> list[dict[str, Any]]:
        """The statuses (as ``feeder_json``) that differ from the last ones told."""
        out = []
        for data in map(feeder_json, statuses):
            if self._seen.get(data["name"]) != data:
                self._seen[data["name"]] = data
                out.append(data)
        return out


__all__ = ["STATUS_FIELDS", "FeederWatch", "feeder_json"]
