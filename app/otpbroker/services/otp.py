"""Server-side OTPs: the device makes the code, sends it, and keeps only a salted hash."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.otp import OtpBook, OtpResult, render_template
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

    def __init__(self, sms: SmsService, settings: Settings) -> None:
        self._sms = sms
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

    def request(self, request: SmsRequest) -> IssuedOtp:
        """Issue a code for ``request.msisdn`` and send it with the configured template.

        The number is normalised first (the one time, by ``SmsService.recipient``): a number
        that is not one is refused before any code exists."""
        msisdn = self._sms.recipient(request.msisdn)
        book = self._current_book()
        token, code = book.issue(msisdn)
        text = render_template(str(self._settings.get("otp.template")), code)
        del code
        try:
            delivery = self._sms.submit(
                SmsRequest(msisdn, text, request.message_id, request.source, request.user)
            )
        except Exception:
            book.discard(token)
            raise
        if delivery.outcome is SendOutcome.FAILED or delivery.duplicate:
            book.discard(token)  # not sent (or an earlier code was): no token for this code
            return IssuedOtp(None, 0, delivery)
        return IssuedOtp(token, int(self._settings.get("otp.ttl_seconds")), delivery)

    def verify(self, token: str, code: str) -> OtpResult:
        """Check a code against its token (constant time; the token dies when used)."""
        return self._current_book().verify(token, code)
