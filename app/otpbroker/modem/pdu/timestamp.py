"""Service-centre time stamps: swapped semi-octets YYMMDDhhmmss + time zone (TS 23.040 9.2.3.11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from .errors import PduError

TIMESTAMP_OCTETS = 7
_MAX_QUARTERS = 79  # tens digit has 3 bits (the 4th is the sign)


def _bcd(value: int) -> int:
    return ((value % 10) << 4) | (value // 10)


def encode_timestamp(when: datetime) -> bytes:
    """Encode ``when`` (naive means UTC) as the 7-octet TP-SCTS format.

    Offsets that are not whole quarter hours (or beyond 19:45) are expressed in UTC instead.
    Raises :class:`ValueError` outside the years 2000..2099.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset() or timedelta(0)
    seconds = int(offset.total_seconds())
    if seconds % 900 or abs(seconds) // 900 > _MAX_QUARTERS or offset.microseconds:
        when = when.astimezone(UTC)
        seconds = 0
    if not 2000 <= when.year <= 2099:
        raise ValueError(f"time stamp year must be 2000..2099, got {when.year}")
    quarters = abs(seconds) // 900
    zone = _bcd(quarters) | (0x08 if seconds < 0 else 0)
    fields = (when.year - 2000, when.month, when.day, when.hour, when.minute, when.second)
    return bytes([_bcd(v) for v in fields] + [zone])


def decode_timestamp(data: bytes) -> datetime:
    """Decode a 7-octet TP-SCTS / TP-DT field to a timezone-aware datetime (years 2000..2099).

    Raises :class:`PduError` for non-decimal digits or an impossible date.
    """
    if len(data) != TIMESTAMP_OCTETS:
        raise PduError(f"time stamp needs {TIMESTAMP_OCTETS} octets, got {len(data)}")
    values: list[int] = []
    for octet in data[:6]:
        low, high = octet & 0x0F, octet >> 4
        if low > 9 or high > 9:
            raise PduError(f"time stamp octet {octet:02X} is not two decimal digits")
        values.append(low * 10 + high)
    zone = data[6]
    tens, units = zone & 0x07, zone >> 4
    if units > 9:
        raise PduError(f"time zone octet {zone:02X} is not decimal")
    minutes = (tens * 10 + units) * 15
    if zone & 0x08:
        minutes = -minutes
    year, month, day, hour, minute, second = values
    try:
        return datetime(
            2000 + year,
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=timezone(timedelta(minutes=minutes)),
        )
    except ValueError as exc:
        raise PduError(f"time stamp is not a valid date: {exc}") from None
