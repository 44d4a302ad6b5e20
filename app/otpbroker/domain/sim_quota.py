"""SIM pacing and quotas: how fast, how often and to how many numbers one SIM may send.

Operators bar SIMs that send too fast or to too many distinct numbers. Each modem has a
``PacingRule``: a minimum gap between sends (plus random jitter) and caps per hour (a sliding
60 minutes), per day and per distinct recipients in a calendar month (0: no cap). The day
starts at the device's reset time (local time); the month starts on day 1 at that time.

``SimUsage`` is what one SIM has used in its windows; ``room`` says whether one more send
fits and, when not, how long until it does; ``reserve`` takes the send into the counts and
``refund`` gives it back. The recipients are only ever keyed hashes (never numbers).
Pure functions over plain data: the caller (``modem.pacing``) holds the lock and the clock.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

HOUR = 3600.0
RESET_PATTERN = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"


@dataclass(frozen=True)
class PacingRule:
    """One modem's pacing: gap and jitter in seconds, caps (0: none)."""

    min_gap: float = 0.0
    jitter: float = 0.0
    per_hour: int = 0
    per_day: int = 0
    recipients_per_month: int = 0
    reset: str = "00:00"
    """Local time HH:MM at which the day (and, on day 1, the month) starts again."""
    otp_bypass_gap: bool = True
    """An OTP may skip the gap (never a cap)."""

    @property
    def capped(self) -> bool:
        """True when at least one cap is set (its counts must survive a restart)."""
        return bool(self.per_hour or self.per_day or self.recipients_per_month)


NO_PACING = PacingRule()


@dataclass
class SimUsage:
    """What one SIM has sent in its current windows."""

    hour: list[float] = field(default_factory=list)
    """Times of the sends of the last 60 minutes, oldest first."""
    day: str = ""
    day_count: int = 0
    month: str = ""
    recipients: set[str] = field(default_factory=set)
    """Keyed hashes of the numbers sent to this month."""


@dataclass(frozen=True)
class Reservation:
    """One send taken into the counts (what ``refund`` gives back)."""

    at: float
    day: str
    month: str
    recipient: str | None
    """The recipient's hash when this send added it to the month's set, else None."""


def parse_reset(text: str) -> tuple[int, int]:
    """``HH:MM`` as (hour, minute); ValueError when it is not a 24-hour time."""
    if re.fullmatch(RESET_PATTERN, text) is None:
        raise ValueError(f"reset time must be HH:MM (00:00-23:59), got {text!r}")
    return int(text[:2]), int(text[3:])


def day_start(now: float, reset: str, tz: tzinfo | None = None) -> datetime:
    """The start of the day window ``now`` is in: the last reset time at or before it."""
    hour, minute = parse_reset(reset)
    local = datetime.fromtimestamp(now, tz)
    start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return start if start <= local else start - timedelta(days=1)


def month_start(now: float, reset: str, tz: tzinfo | None = None) -> datetime:
    """The start of the month window: day 1 at the reset time, at or before ``now``."""
    hour, minute = parse_reset(reset)
    local = datetime.fromtimestamp(now, tz)
    start = local.replace(day=1, hour=hour, minute=minute, second=0, microsecond=0)
    if start > local:
        previous = start - timedelta(days=1)
        start = previous.replace(day=1)
    return start


def next_day(start: datetime) -> float:
    """When the day window starting at ``start`` ends (a timestamp)."""
    return (start + timedelta(days=1)).replace(hour=start.hour, minute=start.minute).timestamp()


def next_month(start: datetime) -> float:
    """When the month window starting at ``start`` ends (a timestamp)."""
    later = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return later.replace(hour=start.hour, minute=start.minute).timestamp()


def roll(usage: SimUsage, now: float, reset: str, tz: tzinfo | None = None) -> None:
    """Start new windows in ``usage`` where ``now`` is past the old ones."""
    del usage.hour[: bisect.bisect_right(usage.hour, now - HOUR)]  # oldest first
    day = day_start(now, reset, tz).isoformat()
    if usage.day != day:
        usage.day, usage.day_count = day, 0
    month = month_start(now, reset, tz).isoformat()
    if usage.month != month:
        usage.month, usage.recipients = month, set()


def room(
    usage: SimUsage, rule: PacingRule, recipient: str | None, now: float,
    tz: tzinfo | None = None,
) -> float:  # fmt: skip
    """0 when one more send (to ``recipient``, a hash) fits every cap now, else the seconds
    until it does. ``usage`` must be rolled to ``now``; ``recipient`` None is a new number."""
    waits = [0.0]
    if rule.per_hour and len(usage.hour) >= rule.per_hour:
        waits.append(usage.hour[len(usage.hour) - rule.per_hour] + HOUR - now)
    if rule.per_day and usage.day_count >= rule.per_day:
        waits.append(next_day(day_start(now, rule.reset, tz)) - now)
    new_number = recipient is None or recipient not in usage.recipients
    full = rule.recipients_per_month and len(usage.recipients) >= rule.recipients_per_month
    if full and new_number:
        waits.append(next_month(month_start(now, rule.reset, tz)) - now)
    return max(0.0, max(waits))


def reserve(
    usage: SimUsage, recipient: str | None, now: float, *, hourly: bool = True
) -> Reservation:
    """Count one send at ``now`` (``usage`` rolled to ``now``, ``room`` was 0); its time is
    kept for the sliding hour only when ``hourly``."""
    if hourly:
        bisect.insort(usage.hour, now)
    usage.day_count += 1
    added = None
    if recipient is not None and recipient not in usage.recipients:
        usage.recipients.add(recipient)
        added = recipient
    return Reservation(now, usage.day, usage.month, added)


def refund(usage: SimUsage, taken: Reservation) -> None:
    """Give back a send that failed before anything was written to the modem."""
    if taken.at in usage.hour:
        usage.hour.remove(taken.at)
    if usage.day == taken.day and usage.day_count > 0:
        usage.day_count -= 1
    if usage.month == taken.month and taken.recipient is not None:
        usage.recipients.discard(taken.recipient)


__all__ = [
    "NO_PACING",
    "RESET_PATTERN",
    "PacingRule",
    "Reservation",
    "SimUsage",
    "day_start",
    "month_start",
    "next_day",
    "next_month",
    "parse_reset",
    "refund",
    "reserve",
    "roll",
    "room",
]
