"""Server-side OTPs (``request-otp`` / ``verify-otp``): the device generates the code.

The book keeps only a salted HMAC-SHA256 of each code (per-book random key, per-entry
random salt), the recipient, an expiry and a failure counter: never the code itself. The
code is returned once by ``issue`` so that the caller can put it into the SMS.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import random
import secrets
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from otpbroker.domain.errors import InvalidMessageError

TOKEN_CHARS = 32
OTP_PLACEHOLDER = "{otp}"
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
_KEY_BYTES = 32
_SALT_BYTES = 16


class OtpResult(enum.Enum):
    """Outcome of ``OtpBook.verify``."""

    VALID = "valid"
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 - a result name, not a secret


@dataclass
class _Entry:
    msisdn: str = field(repr=False)
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)
    expires_at: float
    failures: int = 0


class OtpBook:
    """Issues and verifies OTPs; thread-safe, bounded to ``max_entries`` pending codes.

    ``clock`` (monotonic seconds) and ``rng`` (a ``random.Random``; the default is the
    OS's secure generator) are injectable for tests.
    """

    def __init__(
        self,
        digits: int = 6,
        ttl_seconds: float = 300,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        max_entries: int = 100_000,
    ) -> None:
        """Create an empty book with a fresh random HMAC key."""
        if not 4 <= digits <= 10:
            raise ValueError(f"digits must be between 4 and 10, got {digits}")
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self._digits = digits
        self._ttl = float(ttl_seconds)
        self._max_attempts = max_attempts
        self._clock = clock
        self._rng = rng if rng is not None else secrets.SystemRandom()
        self._max_entries = max_entries
        self._key = self._rng.randbytes(_KEY_BYTES)
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __repr__(self) -> str:
        """Settings and number of pending entries only."""
        return (
            f"OtpBook(digits={self._digits}, ttl_seconds={self._ttl}, "
            f"max_attempts={self._max_attempts}, pending={len(self._entries)})"
        )

    def __len__(self) -> int:
        """Number of entries held (pending, dead or recently expired)."""
        return len(self._entries)

    def issue(self, msisdn: str) -> tuple[str, str]:
        """Create an OTP for ``msisdn``; return ``(token, code)``. Only a hash is kept."""
        if not isinstance(msisdn, str) or not msisdn:
            raise ValueError("msisdn must be a non-empty str")
        code = "".join(str(self._rng.randrange(10)) for _ in range(self._digits))
        salt = self._rng.randbytes(_SALT_BYTES)
        digest = self._digest(salt, code)
        with self._lock:
            now = self._clock()
            self._purge(now)
            token = self._new_token()
            self._entries[token] = _Entry(msisdn, salt, digest, now + self._ttl)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return token, code

    def verify(self, token: str, code: str, *, msisdn: str | None = None) -> OtpResult:
        """Check ``code`` for ``token`` (constant-time); VALID consumes the token.

        Wrong codes count as failed attempts; the attempt that reaches ``max_attempts``
        answers TOO_MANY_ATTEMPTS and the token stays dead. If ``msisdn`` is given it must
        be the number the token was issued for, else UNKNOWN_TOKEN.
        """
        candidate = code.strip() if isinstance(code, str) else ""
        with self._lock:
            now = self._clock()
            self._purge(now)
            entry = self._entries.get(token) if isinstance(token, str) else None
            if entry is None or (msisdn is not None and msisdn != entry.msisdn):
                return OtpResult.UNKNOWN_TOKEN
            if now >= entry.expires_at:
                del self._entries[token]
                return OtpResult.EXPIRED
            if entry.failures >= self._max_attempts:
                return OtpResult.TOO_MANY_ATTEMPTS
            matches = hmac.compare_digest(self._digest(entry.salt, candidate), entry.digest)
            if matches and len(candidate) == self._digits:
                del self._entries[token]
                return OtpResult.VALID
            entry.failures += 1
            if entry.failures >= self._max_attempts:
                return OtpResult.TOO_MANY_ATTEMPTS
            return OtpResult.INVALID

    def discard(self, token: str) -> bool:
        """Forget ``token`` (e.g. its SMS could not be sent); True if it was held."""
        if not isinstance(token, str):
            return False
        with self._lock:
            return self._entries.pop(token, None) is not None

    def _digest(self, salt: bytes, code: str) -> bytes:
        data = salt + code.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def _new_token(self) -> str:
        while True:
            token = "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_CHARS))
            if token not in self._entries:
                return token

    def _purge(self, now: float) -> None:
        # Entries are kept one extra TTL after expiry so that verify can say EXPIRED.
        entries = self._entries
        while entries:
            oldest = next(iter(entries.values()))
            if now < oldest.expires_at + self._ttl:
                break
            entries.popitem(last=False)


def render_template(template: str, code: str) -> str:
    """Put ``code`` into ``template`` wherever ``{otp}`` appears (no other formatting).

    Raises InvalidMessageError if the template has no ``{otp}`` (the code would be lost).
    """
    if not isinstance(template, str) or not isinstance(code, str):
        raise TypeError("template and code must be str")
    if OTP_PLACEHOLDER not in template:
        raise InvalidMessageError(
            f"OTP template has no {OTP_PLACEHOLDER} placeholder", reason="no_placeholder"
        )
    return template.replace(OTP_PLACEHOLDER, code)


__all__ = ["OTP_PLACEHOLDER", "TOKEN_CHARS", "OtpBook", "OtpResult", "render_template"]
