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
    ``default_ttl``: seconds a message is worth when neither it nor the transport says
    (the API user's or feeder's default; None: the device-wide default);
    ``default_lane``: the lane when the message does not name one (None: OTP);
    ``redelivery_key``: the key a feeder records an id-less message under in the send
    ledger (a keyed digest of it), None for none.
    """

    expires_at: float | None = None
    default_ttl: float | None = None
    default_lane: Lane | None = None
    redelivery_key: str | None = None


NO_TERMS = DeliveryTerms()

__all__ = ["NO_TERMS", "DeliveryTerms", "Lane"]
