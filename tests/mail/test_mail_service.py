"""MailService: the send-mail command's validation and replies."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import pytest
from smtp_servers import SmtpServer

from otpbroker.domain.mail import MailFailure, MailMessage, MailResult
from otpbroker.mail import MailGateway
from otpbroker.services.command_processor import Mailer
from otpbroker.services.mail import MailService
from otpbroker.services.replies import Code

BODY = "OTP Anda adalah 1234"


class FakeSender:
    def __init__(self, result: MailResult | Exception) -> None:
        self.result = result
        self.sent: list[MailMessage] = []

    def send(self, message: MailMessage) -> MailResult:
        self.sent.append(message)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def _service(result: MailResult | Exception) -> tuple[MailService, FakeSender]:
    sender = FakeSender(result)
    return MailService(sender), sender


def test_sent() -> None:
    service, sender = _service(MailResult(True, "gmail-1", None))
    mailer: Mailer = service
    reply = mailer.send_mail("Admin@Domain.TLD", "Reset Password", BODY, "rest")
    assert reply.code is Code.OK and reply.text == "sent"
    assert reply.as_json() == {
        "command": "send-mail",
        "response_code": "0000",
        "response_text": "sent",
        "data": {"account": "gmail-1"},
    }
    assert sender.sent[0].recipient == "Admin@domain.tld"
    assert sender.sent[0].subject == "Reset Password" and sender.sent[0].body == BODY


@pytest.mark.parametrize(
    ("recipient", "subject", "body", "code", "text"),
    [
        ("nobody", "", BODY, Code.INVALID_REQUEST, "data.recipient: recipient has no '@'"),
        ("a@b.c\r\nBcc: x@y.z", "", BODY, Code.INVALID_REQUEST,
         "data.recipient: recipient contains a control character or line break"),
        ("a@example.com", "Hi\r\nBcc: all@example.com", BODY, Code.INVALID_REQUEST,
         "data.subject: subject must be a single line: it contains a line break (CR/LF), "
         "which could inject mail headers"),
        ("a@example.com", "Hi\nthere", BODY, Code.INVALID_REQUEST, None),
        ("a@example.com", "x" * 201, BODY, Code.INVALID_REQUEST,
         "data.subject: subject is too long: 201 characters, at most 200"),
        ("a@example.com", "", "  ", Code.INVALID_MESSAGE, "data.message: message is empty"),
        ("a@example.com", "", "x" * 65537, Code.TOO_LONG,
         "data.message: message is too long: 65537 bytes of UTF-8, at most 65536"),
    ],
)  # fmt: skip
def test_invalid_requests_never_reach_the_sender(
    recipient: str, subject: str, body: str, code: Code, text: str | None
) -> None:
    service, sender = _service(MailResult(True, "a", None))
    reply = service.send_mail(recipient, subject, body, "rest")
    assert reply.code is code and reply.code.http_status == 400
    if text is not None:
        assert reply.text == text
    assert sender.sent == []


def test_no_active_account_is_not_configured() -> None:
    result = MailResult(
        False, None, "no active mail account is configured", [], MailFailure.NO_ACCOUNT
    )
    reply = _service(result)[0].send_mail("a@example.com", "", BODY, "rest")
    assert reply.code is Code.NOT_CONFIGURED and reply.code.response_code == "1210"
    assert reply.text == "e-mail is not configured: no active mail account is configured"


def test_failure_lists_every_account() -> None:
    attempts = [("a", "127.0.0.1:1 refused the connection"), ("b", "daily limit of 5 reached")]
    result = MailResult(
        False, None, "no mail account could send it", attempts, MailFailure.SEND_FAILED
    )
    reply = _service(result)[0].send_mail("a@example.com", "OTP", BODY, "amqp")
    assert reply.code is Code.SEND_FAILED and reply.code.response_code == "1102"
    assert reply.text == (
        "sending failed: no mail account could send it "
        "(a: 127.0.0.1:1 refused the connection; b: daily limit of 5 reached)"
    )
    assert reply.data == {
        "account": None,
        "attempts": [{"account": name, "error": error} for name, error in attempts],
        "reason": "send_failed",
    }


def test_a_raising_sender_does_not_crash() -> None:
    reply = _service(RuntimeError(f"boom {BODY}"))[0].send_mail("a@example.com", "", BODY, "ws")
    assert reply.code is Code.SEND_FAILED
    assert reply.text == "sending failed: unexpected error (RuntimeError)"
    assert BODY not in str(reply.as_json())


def test_end_to_end_with_real_servers(
    smtp_server: Callable[..., SmtpServer],
    make_account: Callable[..., dict[str, Any]],
    client_tls: ssl.SSLContext,
) -> None:
    strict = smtp_server("strict", rcpt_reply="550 5.1.1 unknown user")
    good = smtp_server("good")
    records = [make_account("good", good.port)]
    service = MailService(MailGateway(lambda: records, ssl_context=client_tls, timeout=5))
    reply = service.send_mail("user@example.com", "Reset Password", BODY, "rest")
    assert reply.as_json()["data"] == {"account": "good"}
    records[:] = [make_account("strict", strict.port), make_account("good", good.port)]
    reply = service.send_mail("user@example.com", "Reset Password", BODY, "rest")
    assert reply.code is Code.SEND_FAILED
    assert reply.data is not None and reply.data["reason"] == "recipient_rejected"
    assert reply.data["account"] == "strict"
    assert reply.text == (
        "sending failed: the recipient was refused: 127.0.0.1:"
        f"{strict.port} refused the recipient: 550 5.1.1 unknown user (account strict)"
    )
    records[:] = []
    assert service.send_mail("user@example.com", "", BODY, "rest").code is Code.NOT_CONFIGURED
