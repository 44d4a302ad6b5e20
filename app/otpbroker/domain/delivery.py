"""How urgently, and until when, a message is worth sending: its lane and its expiry.

A transport (REST, a feeder) knows things about a message that its JSON does not say: the
broker's own expiry (AMQP ``expiration``, MQTT v5 message expiry) and the defaults of the API
user or feeder it came through. It hands them over as ``DeliveryTerms``; the command's own
``ttl`` / ``valid_until`` / ``priority`` fields are read by the command processor and the
stricter expiry wins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Lane(enum.Enum):
    """The lane a message waits in for a modem: an OTP overtakes every bulk message."""

    OTP = "otp"
    BULK = "bulk"

    @property
    def rank(self) -> int:
        """Lower is served first."""
        return 0 if self is Lane.OTP else 1


@dataclass(frozen=True)
class DeliveryTerms:
    """What the transport says about a message beyond its JSON.

    ``expires_at``: wall-clock time (``time.time()``) after which the transport itself
    considers the message worthless (a broker's expiry), None when it says nothing;
    ``default_ttl``: seconds a message is worth when it does not say itself (the API
    user's or feeder's default; None: the device-wide default; 0 or less: no expiry);
    ``default_lane``: the lane when the message does not name one (None: OTP);
    ``redelivery_key``: the key a feeder records an id-less message under in the send
    ledger (a keyed digest of it), None for none.
    """

    expires_at: float | None = None
    default_ttl: float | None = None
    default_lane: Lane | None = None
    redelivery_key: str | None = None


NO_TERMS = DeliveryTerms()

#: The longest a message may be worth: 7 days, in seconds (``ttl``, ``valid_until``, defaults).
MAX_TTL_SECONDS = 604800


def effective_expiry(
    now: float, own: float | None, terms: DeliveryTerms, device_default_ttl: float
) -> float | None:
    """The wall-clock time after which a message is worthless, None for never.

    ``own``: the expiry the command itself gives (``ttl`` / ``valid_until``), None when it
    says nothing; then the transport's default applies (``terms.default_ttl``), else the
    device's (``device_default_ttl``; 0 = no expiry). The transport's own expiry
    (``terms.expires_at``) always counts too: the earliest of them wins.
    """
    if own is None:
        default = terms.default_ttl if terms.default_ttl is not None else device_default_ttl
        own = now + default if default > 0 else None
    candidates = [t for t in (own, terms.expires_at) if t is not None]
    return min(candidates) if candidates else None


def lane_of(named: Lane | None, terms: DeliveryTerms) -> Lane:
    """The lane a message waits in: the one it names, else the transport's, else OTP."""
    if named is not None:
        return named
    return terms.default_lane if terms.default_lane is not None else Lane.OTP


__all__ = ["MAX_TTL_SECONDS", "NO_TERMS", "DeliveryTerms", "Lane", "effective_expiry", "lane_of"]
