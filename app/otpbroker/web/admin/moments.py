"""Times the device records (ISO 8601, UTC) written for the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

from otpbroker.i18n.formats import format_datetime


def from_epoch(epoch: float) -> str:
    """Epoch seconds as a date and time (``1 Jan 2026, 10:00:00 UTC``)."""
    return format_datetime(datetime.fromtimestamp(epoch, UTC)) + " UTC"


def from_iso(iso: str) -> str:
    """An ISO 8601 time as a date and time; ``""`` as ``—``, anything unreadable as it is."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso or "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return from_epoch(moment.timestamp())
