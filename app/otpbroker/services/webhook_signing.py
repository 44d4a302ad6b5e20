"""The webhook signature: ``X-OTPB-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." +
body)>`` with ``X-OTPB-Timestamp`` the Unix time (whole seconds) of that attempt.

The secret is the webhook's 64 hexadecimal digits, used as they are (their ASCII bytes) as
the HMAC key; ``body`` is the exact bytes of the request body. A receiver recomputes the
HMAC, compares with ``hmac.compare_digest`` and refuses a timestamp outside its replay
window (``verify`` below is the check docs/webhooks.md shows).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

VERSION = "v1"
REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    """A fresh webhook secret: 32 random bytes as 64 hexadecimal digits."""
    return secrets.token_hex(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-OTPB-Signature`` value of ``body`` sent at ``timestamp``."""
    signed = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("ascii"), signed, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    now: float,
    window: float = REPLAY_WINDOW_SECONDS,
) -> bool:
    """True when ``header`` signs ``body`` at ``timestamp`` and the timestamp is within
    ``window`` seconds of ``now`` (a receiver's check)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > window:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


__all__ = ["REPLAY_WINDOW_SECONDS", "new_secret", "signature", "verify"]
