"""MailGateway: the MailSender that uses the configured accounts in turn, with fail-over.

For each mail the accounts are tried in round-robin order (see rotation.py). Fail-over
rules:

* a connection, TLS, log-in, DNS or protocol error, a 4xx reply, and a 5xx reply to
  MAIL FROM or DATA or a policy 5xx to RCPT (relaying denied, quota exceeded...) depend on
  the account: the next account is tried;
* a *definite* refusal of the recipient (550/551/553 to RCPT with status 5.1.x, a domain
  that does not exist or accepts no mail) would be the same through every account: the
  fail-over stops and the rejection is reported, so a bad address does not hit every
  account (and their reputation);
* an account whose daily limit is used up is skipped; a successful send counts one mail
  for the account's local day.

Logs show the masked recipient and the account; the subject and body never leave the
message object, and the reasons are scrubbed of them in case a server echoes them.
"""

from __future__ import annotations

import logging
import socket
import ssl
import traceback
from datetime import datetime

from otpbroker.domain.mail import MailFailure, MailMessage, MailResult, mask_address
from otpbroker.mail.accounts import MailAccount
from otpbroker.mail.dns import DnsResolver, Resolver
from otpbroker.mail.relay import SMTP_PORT, send_direct
from otpbroker.mail.rotation import AccountRotation, AccountsProvider, WallClock
from otpbroker.mail.smtp import DEFAULT_TIMEOUT, DeliveryError, send_via_account

log = logging.getLogger(__name__)


def _scrub(text: str, message: MailMessage) -> str:
    """Remove the subject and body from a reason, should a server have echoed them."""
    for secret in (message.body, message.body.strip(), message.subject):
        if len(secret) >= 4:
            text = text.replace(secret, "<masked>")
    return text


class MailGateway:
    """Sends mails through the active accounts in turn; implements MailSender."""

    def __init__(
        self,
        accounts_provider: AccountsProvider,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: WallClock = datetime.now,
        timeout: float = DEFAULT_TIMEOUT,
        relay_port: int = SMTP_PORT,
        helo_name: str | None = None,
        failure_cooldown: float = 60.0,
    ) -> None:
        """``accounts_provider`` returns the ``mail_accounts`` records (read at every send).

        ``resolver`` finds MX hosts for local accounts (a DnsResolver on resolv.conf by
        default); ``ssl_context`` verifies SMTP servers (the system CAs by default);
        ``clock`` gives the local time for the daily counters; ``relay_port`` is 25 except
        in tests; ``helo_name`` is the EHLO name (the host name by default).
        """
        self.rotation = AccountRotation(accounts_provider, clock, failure_cooldown=failure_cooldown)
        self._resolver = resolver
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._relay_port = relay_port
        self._helo_name = helo_name

    @property
    def resolver(self) -> Resolver:
        """The MX resolver (created on first use)."""
        if self._resolver is None:
            self._resolver = DnsResolver()
        return self._resolver

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The context that verifies SMTP servers (created on first use)."""
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    @property
    def helo_name(self) -> str:
        """The name given in EHLO."""
        if self._helo_name is None:
            self._helo_name = socket.gethostname() or "localhost"
        return self._helo_name

    def _deliver(self, account: MailAccount, message: MailMessage) -> str:
        if account.kind == "local":
            return send_direct(
                account,
                message,
                resolver=self.resolver,
                port=self._relay_port,
                timeout=self._timeout,
                helo_name=self.helo_name,
            )
        return send_via_account(
            account,
            message,
            ssl_context=self.ssl_context,
            timeout=self._timeout,
            helo_name=self.helo_name,
        )

    def send(self, message: MailMessage) -> MailResult:
        """Send through the first account that takes the mail; never raises."""
        recipient = mask_address(message.recipient)
        try:
            plan = self.rotation.plan()
        except Exception as exc:
            log.error(
                "mail to %s: the mail accounts cannot be read (%s)", recipient, type(exc).__name__
            )
            return MailResult(
                False,
                None,
                f"the mail accounts cannot be read ({type(exc).__name__})",
                [],
                MailFailure.SEND_FAILED,
            )
        if plan.active == 0:
            log.warning("mail to %s not sent: no active mail account", recipient)
            return MailResult(
                False, None, "no active mail account is configured", [], MailFailure.NO_ACCOUNT
            )
        attempts: list[tuple[str, str]] = []
        for account in plan.candidates:
            if not self.rotation.reserve(account):
                attempts.append((account.name, f"daily limit of {account.daily_limit} reached"))
                continue
            try:
                reply = self._deliver(account, message)
            except DeliveryError as exc:
                self.rotation.release(account)
                reason = _scrub(exc.reason, message)
                attempts.append((account.name, reason))
                log.warning(
                    "mail to %s via %s failed at %s: %s", recipient, account.name, exc.stage, reason
                )
                if exc.permanent:
                    return MailResult(
                        False,
                        account.name,
                        f"the recipient was refused: {reason}",
                        attempts,
                        MailFailure.RECIPIENT_REJECTED,
                    )
                self.rotation.record_failure(account)
                continue
            except Exception as exc:  # a bug must not crash a feeder: report and go on
                self.rotation.release(account)
                self.rotation.record_failure(account)
                attempts.append((account.name, f"unexpected error ({type(exc).__name__})"))
                # The traceback without the exception's text, which might quote the mail.
                log.error(
                    "mail to %s via %s: unexpected %s\n%s",
                    recipient,
                    account.name,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
                continue
            self.rotation.record_success(account, failed_over=account != plan.candidates[0])
            log.info("mail to %s sent via %s (%s)", recipient, account.name, _scrub(reply, message))
            return MailResult(True, account.name, None, attempts)
        return self._failure(plan.candidates, plan.exhausted, plan.unusable, attempts, recipient)

    def _failure(
        self,
        tried: list[MailAccount],
        exhausted: list[MailAccount],
        unusable: list[MailAccount],
        attempts: list[tuple[str, str]],
        recipient: str,
    ) -> MailResult:
        for account in exhausted:
            attempts.append((account.name, f"daily limit of {account.daily_limit} reached"))
        for account in unusable:
            attempts.append((account.name, f"not usable: {account.problem}"))
        if not tried and not exhausted:
            error, reason = "no usable mail account", MailFailure.NO_ACCOUNT
        elif not tried:
            error = "every active mail account has reached its daily limit"
            reason = MailFailure.LIMIT_REACHED
        else:
            error, reason = "no mail account could send it", MailFailure.SEND_FAILED
        log.warning("mail to %s not sent: %s", recipient, error)
        return MailResult(False, None, error, attempts, reason)


__all__ = ["MailGateway"]
