"""The delivery fields of a send command: ``ttl``, ``valid_until`` and ``priority``.

``ttl`` is whole seconds (1..604800) from now; ``valid_until`` an ISO 8601 date and time
with its UTC offset (``2026-12-06T10:00:00+07:00``) or whole Unix seconds. A command gives
one of them at most. ``priority`` names the lane: ``otp`` or ``bulk``. Every refusal says
precisely which field is wrong and why (``FieldError``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otpbroker.domain.delivery import MAX_TTL_SECONDS, Lane


class FieldError(ValueError):
    """A delivery field of the command is wrong; the text says which and why."""


def own_expiry(data: dict[str, Any], now: float) -> float | None:
    """The wall-clock expiry the command gives itself (``ttl`` or ``valid_until``), None
    when it gives none. ``now`` is the wall clock (``time.time()``)."""
    ttl, until = data.get("ttl"), data.get("valid_until")
    if ttl is not None and until is not None:
        raise FieldError("give data.ttl or data.valid_until, not both")
    if ttl is not None:
        return now + _ttl(ttl)
    if until is not None:
        return _valid_until(until, now)
    return None


def named_lane(data: dict[str, Any]) -> Lane | None:
    """The lane ``data.priority`` names, None when it names none."""
    value = data.get("priority")
    if value is None:
        return None
    choices = ", ".join(repr(lane.value) for lane in Lane)
    if not isinstance(value, str):
        raise FieldError(f"data.priority must be a string: one of {choices}")
    try:
        return Lane(value)
    except ValueError:
        raise FieldError(f"data.priority must be one of {choices}, got {value[:20]!r}") from None


def _ttl(value: object) -> int:
    """``data.ttl``: whole seconds, 1..MAX_TTL_SECONDS."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(
            f"data.ttl must be a whole number of seconds (1-{MAX_TTL_SECONDS}), "
            f"got {type(value).__name__}"
        )
    if not 1 <= value <= MAX_TTL_SECONDS:
        raise FieldError(f"data.ttl must be 1-{MAX_TTL_SECONDS} seconds, got {value}")
    return value


def _valid_until(value: object, now: float) -> float:
    """``data.valid_until``: ISO 8601 with a UTC offset, or whole Unix seconds; at most
    MAX_TTL_SECONDS ahead of ``now`` (a time already past is accepted: it expires)."""
    if isinstance(value, int) and not isinstance(value, bool):
        when = float(value)
    elif isinstance(value, str):
        when = _iso(value)
    else:
        raise FieldError(
            "data.valid_until must be an ISO 8601 date and time with a UTC offset "
            f"(e.g. 2026-12-06T10:00:00+07:00) or whole Unix seconds, got {type(value).__name__}"
        )
    if when - now > MAX_TTL_SECONDS:
        raise FieldError(
            f"data.valid_until is {when - now:.0f} s ahead; at most {MAX_TTL_SECONDS} s (7 days)"
        )
    return when


def _iso(text: str) -> float:
    """An ISO 8601 date and time that names its UTC offset, as Unix seconds."""
    shown = text[:40]
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FieldError(
            f"data.valid_until {shown!r} is not an ISO 8601 date and time "
            "(e.g. 2026-12-06T10:00:00+07:00)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise FieldError(f"data.valid_until {shown!r} has no UTC offset; add one, e.g. +07:00 or Z")
    return parsed.timestamp()


__all__ = ["FieldError", "named_lane", "own_expiry"]
