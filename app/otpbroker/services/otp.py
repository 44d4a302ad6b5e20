"""Server-side OTPs: the device makes the code, sends it, and keeps only a salted hash."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from otpbroker.domain.autofill import AutofillFormat, compose
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.otp import OtpBook, OtpResult
from otpbroker.domain.ports import Settings
from otpbroker.services.sms import SmsRequest, SmsService


@dataclass(frozen=True)
class IssuedOtp:
    """What the caller learns: a token to verify with, never the code."""

    token: str | None
    expires_in: int
    delivery: Delivery


class OtpService:
    """``request-otp`` and ``verify-otp`` on top of ``SmsService``."""

    def __init__(
        self, sms: SmsService, settings: Settings, wall_clock: Callable[[], float] = time.time
    ) -> None:
        """``wall_clock``: the time a code's SMS expiry is counted from."""
        self._sms = sms
        self._wall_clock = wall_clock
        self._settings = settings
        self._lock = threading.Lock()
        self._params: tuple[int, int, int] | None = None
        self._book: OtpBook | None = None

    def _current_book(self) -> OtpBook:
        params = (
            int(self._settings.get("otp.digits")),
            int(self._settings.get("otp.ttl_seconds")),
            int(self._settings.get("otp.max_attempts")),
        )
        with self._lock:
            if self._book is None or params != self._params:
                digits, ttl, attempts = params
                self._book = OtpBook(digits=digits, ttl_seconds=ttl, max_attempts=attempts)
                self._params = params
            return self._book

    def text_for(self, code: str) -> str:
        """The SMS text of ``code``: ``otp.template``, then the app hash and the origin-bound
        line when they are set (InvalidMessageError when that text is not one GSM 7-bit part).
        """
        fmt = AutofillFormat(
            str(self._settings.get("otp.domain")),
            str(self._settings.get("otp.iframe_domain")),
            str(self._settings.get("otp.app_hash")),
        )
        return compose(str(self._settings.get("otp.template")), code, fmt)

    def request(self, request: SmsRequest) -> IssuedOtp:
        """Issue a code for ``request.msisdn`` and send it with the configured template.

        The number is normalised first (the one time, by ``SmsService.recipient``): a number
        that is not one is refused before any code exists."""
        msisdn = self._sms.recipient(request.msisdn)
        book = self._current_book()
        token, code = book.issue(msisdn)
        try:
            text = self.text_for(code)
            del code
            expires_at = self._code_expiry(request.expires_at)
            delivery = self._sms.submit(
                replace(request, msisdn=msisdn, text=text, expires_at=expires_at)
            )
        except Exception:
            book.discard(token)
            raise
        if delivery.outcome in (SendOutcome.FAILED, SendOutcome.EXPIRED) or delivery.duplicate:
            book.discard(token)  # not sent (or an earlier code was): no token for this code
            return IssuedOtp(None, 0, delivery)
        return IssuedOtp(token, int(self._settings.get("otp.ttl_seconds")), delivery)

    def _code_expiry(self, expires_at: float | None) -> float:
        """The SMS never outlives its code: at most ``otp.ttl_seconds`` from now."""
        ends = self._wall_clock() + int(self._settings.get("otp.ttl_seconds"))
        return ends if expires_at is None else min(expires_at, ends)

    def verify(self, token: str, code: str) -> OtpResult:
        """Check a code against its token (constant time; the token dies when used)."""
        return self._current_book().verify(token, code)
