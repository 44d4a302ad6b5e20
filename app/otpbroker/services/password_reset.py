"""Forgotten administrator passwords: a new temporary password by SMS or e-mail.

There is no stored password to send (only a salted hash), so a reset makes a new random
one, stores its hash and sends the clear text once, to the phone or e-mail address on the
administrator's record. The answer never says whether the account exists, and an account
can be reset at most once per ``COOLDOWN`` seconds. The message is written in the device's
language (``device.language``), whoever asked for it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from otpbroker.domain.errors import DomainError
from otpbroker.i18n.translate import _, use_language
from otpbroker.services.replies import Code
from otpbroker.services.sms import SmsRequest, SmsService

log = logging.getLogger(__name__)

COOLDOWN = 300.0
GENERIC_ANSWER = "if that administrator exists and has a phone or e-mail, a new password was sent"


class ResettableAccounts(Protocol):
    """The administrators whose passwords may be reset (the admin-accounts service)."""

    def find_for_reset(self, login: str) -> Mapping[str, Any] | None:
        """The active, unblocked administrator whose username or e-mail is ``login``."""
        ...

    def set_password(self, account_id: str, password: str) -> None:
        """Store a new password (as a hash)."""
        ...


class MailPort(Protocol):
    """Sends one e-mail and answers with a reply code."""

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Any:
        """Send; the result has ``.code``."""
        ...


@dataclass(frozen=True)
class ResetResult:
    """What the caller may show: always the generic answer; ``sent_via`` for the log."""

    message: str
    sent_via: str | None


class PasswordReset:
    """Makes and sends temporary administrator passwords."""

    def __init__(
        self,
        accounts: ResettableAccounts,
        sms: SmsService,
        mailer: Callable[[], MailPort | None],
        clock: Callable[[], float] = time.monotonic,
        language: Callable[[], str] = lambda: "",
    ) -> None:
        self._accounts = accounts
        self._language = language
        self._sms = sms
        self._mailer = mailer
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def reset(self, login: str, via: str = "sms") -> ResetResult:
        """Reset ``login``'s password and send it ``via`` "sms" or "mail"."""
        admin = self._accounts.find_for_reset(login.strip()) if login.strip() else None
        if admin is None or via not in ("sms", "mail"):
            return ResetResult(GENERIC_ANSWER, None)
        admin_id = str(admin["id"])
        with self._lock:
            now = self._clock()
            if now - self._last.get(admin_id, -COOLDOWN) < COOLDOWN:
                log.warning("password reset for an administrator refused: too soon")
                return ResetResult(GENERIC_ANSWER, None)
            self._last[admin_id] = now
        address = admin.get("phone") if via == "sms" else admin.get("email")
        if not address:
            return ResetResult(GENERIC_ANSWER, None)
        password = secrets.token_urlsafe(12)
        with use_language(self._language()):
            text = _("OTP Broker: your new administrator password is {password}").format(
                password=password
            )
            subject = _("OTP Broker password reset")
        if not self._deliver(via, str(address), text, subject):
            return ResetResult(GENERIC_ANSWER, None)
        self._accounts.set_password(admin_id, password)
        log.info("administrator password reset, sent by %s", via)
        return ResetResult(GENERIC_ANSWER, via)

    def _deliver(self, via: str, address: str, text: str, subject: str) -> bool:
        """Send first; the password changes only when the message went out."""
        try:
            if via == "sms":
                delivery = self._sms.submit(SmsRequest(address, text, None, "admin", None, True))
                return delivery.outcome.value == "sent"
            mailer = self._mailer()
            if mailer is None:
                return False
            reply = mailer.send_mail(address, subject, text, "admin")
            return reply.code is Code.OK
        except DomainError as exc:
            log.warning("password reset message not sent: %s", exc.code)
            return False
