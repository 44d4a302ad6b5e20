"""MailService: the ``send-mail`` command (REST ``/api/mail``, feeders, password reset).

Validates the request, sends it through a MailSender port and answers with a Reply:
``0000`` sent (``data.account`` names the account), ``1102`` failed (with every account's
reason, never the subject or body), ``1210`` when no active mail account exists, and
400-class codes for a bad request: ``1211`` for the recipient and the subject, ``1203`` /
``1204`` for the message text (as for ``send-sms``).
"""

from __future__ import annotations

import logging

from otpbroker.domain.errors import InvalidAddressError, InvalidMessageError
from otpbroker.domain.mail import (
    MailFailure,
    MailMessage,
    MailSender,
    mask_address,
    validate_address,
    validate_body,
    validate_subject,
)
from otpbroker.services.replies import Code, Reply

log = logging.getLogger(__name__)

COMMAND = "send-mail"


class MailService:
    """Implements the ``Mailer`` protocol of services/command_processor.py."""

    def __init__(self, sender: MailSender) -> None:
        """``sender`` delivers the mail (the mail adapter's MailGateway)."""
        self._sender = sender

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Reply:
        """Validate, send and answer; never raises and never echoes subject or body."""
        try:
            recipient = validate_address(recipient)
        except InvalidAddressError as exc:
            return Reply(COMMAND, Code.INVALID_REQUEST, f"data.recipient: {exc.message}")
        try:
            validate_subject(subject)
        except InvalidMessageError as exc:
            return Reply(COMMAND, Code.INVALID_REQUEST, f"data.subject: {exc.message}")
        try:
            validate_body(body)
        except InvalidMessageError as exc:
            code = Code.TOO_LONG if exc.reason == "too_long" else Code.INVALID_MESSAGE
            return Reply(COMMAND, code, f"data.message: {exc.message}")
        message = MailMessage(recipient, subject, body)
        masked = mask_address(recipient)
        try:
            result = self._sender.send(message)
        except Exception as exc:  # the port promises not to raise; never crash a feeder anyway
            log.error(
                "send-mail from %s to %s: the sender raised %s", source, masked, type(exc).__name__
            )
            return Reply(
                COMMAND,
                Code.SEND_FAILED,
                f"sending failed: unexpected error ({type(exc).__name__})",
                {"account": None},
            )
        if result.ok:
            log.info("send-mail from %s to %s: sent via %s", source, masked, result.account)
            return Reply(COMMAND, Code.OK, "sent", {"account": result.account})
        attempts = [{"account": name, "error": error} for name, error in result.attempts]
        error = result.error or "sending failed"
        log.info("send-mail from %s to %s: not sent (%s)", source, masked, error)
        if result.reason is MailFailure.NO_ACCOUNT:
            data: dict[str, object] = {"account": None, "attempts": attempts}
            return Reply(COMMAND, Code.NOT_CONFIGURED, f"e-mail is not configured: {error}", data)
        text = f"sending failed: {error}"
        if result.reason is MailFailure.RECIPIENT_REJECTED:
            text += f" (account {result.account})"  # the error quotes the server already
        elif result.attempts:
            text += f" ({'; '.join(f'{name}: {reason}' for name, reason in result.attempts)})"
        data = {"account": result.account, "attempts": attempts}
        if result.reason is not None:
            data["reason"] = str(result.reason)
        return Reply(COMMAND, Code.SEND_FAILED, text, data)


__all__ = ["MailService"]
