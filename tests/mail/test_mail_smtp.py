"""One account, real SMTP servers on 127.0.0.1: security modes, AUTH, precise errors."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from typing import Any

import pytest
from smtp_servers import RawServer, SmtpServer

from otpbroker.domain.mail import MailMessage
from otpbroker.mail.accounts import MailAccount
from otpbroker.mail.smtp import DeliveryError, build_message, definite_rejection, send_via_account

BODY = "OTP Anda adalah 918273 — jangan dibagikan"
SUBJECT = "Kode verifikasi ✓"
USERS = {"otp@sender.test": "app-password-123"}

Start = Callable[..., SmtpServer]
Record = Callable[..., dict[str, Any]]


def _message(recipient: str = "user@example.com") -> MailMessage:
    return MailMessage(recipient, SUBJECT, BODY)


def _send(record: dict[str, Any], tls: ssl.SSLContext, **kwargs: Any) -> str:
    kwargs.setdefault("timeout", 5.0)
    return send_via_account(
        MailAccount.from_record(record), _message(), ssl_context=tls, helo_name="otp.test", **kwargs
    )


def _check_delivered(server: SmtpServer, *, tls: bool, authenticated: bool = False) -> None:
    assert len(server.received) == 1
    got = server.received[0]
    assert got.rcpt_tos == ["user@example.com"]
    assert got.tls is tls
    assert got.authenticated is authenticated
    assert got.helo == "otp.test"
    mail = got.parsed()
    assert mail["Subject"] == SUBJECT
    assert mail["To"] == "user@example.com"
    assert mail["From"] == got.mail_from
    assert mail["Date"] and mail["Message-ID"].endswith("@sender.test>")
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content().rstrip("\r\n") == BODY
    assert max(got.content) < 128  # 7-bit on the wire: no 8BITMIME needed


def test_plain(smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext) -> None:
    server = smtp_server("plain")
    reply = _send(make_account("a", server.port), client_tls)
    assert "queued as TEST" in reply
    _check_delivered(server, tls=False)


def test_starttls(smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext) -> None:
    server = smtp_server("tls", mode="starttls")
    _send(make_account("a", server.port, security="starttls"), client_tls)
    _check_delivered(server, tls=True)


def test_implicit_tls(smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext) -> None:
    server = smtp_server("smtps", mode="ssl")
    _send(make_account("a", server.port, security="ssl"), client_tls)
    _check_delivered(server, tls=True)


def test_auth_over_starttls(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("auth", mode="starttls", users=USERS)
    record = make_account(
        "a", server.port, security="starttls", auth=True,
        username="otp@sender.test", password="app-password-123",
    )  # fmt: skip
    _send(record, client_tls)
    _check_delivered(server, tls=True, authenticated=True)


def test_auth_over_implicit_tls(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; this socket is TLS anyway.
    server = smtp_server("auth", mode="ssl", users=USERS, auth_require_tls=False)
    record = make_account(
        "a", server.port, security="ssl", auth=True,
        username="otp@sender.test", password="app-password-123",
    )  # fmt: skip
    _send(record, client_tls)
    _check_delivered(server, tls=True, authenticated=True)


def test_auth_plain_server(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("auth", users=USERS, auth_require_tls=False)
    record = make_account(
        "a", server.port, auth=True, username="otp@sender.test", password="app-password-123"
    )
    _send(record, client_tls)
    _check_delivered(server, tls=False, authenticated=True)


def test_auth_failure_is_precise(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("auth", mode="starttls", users=USERS)
    record = make_account(
        "a", server.port, security="starttls", auth=True,
        username="otp@sender.test", password="wrong-password",
    )  # fmt: skip
    with pytest.raises(DeliveryError) as caught:
        _send(record, client_tls)
    error = caught.value
    assert error.stage == "auth" and error.code == 535
    assert error.reason.startswith(f"127.0.0.1:{server.port} refused the log-in: 535")
    assert "wrong-password" not in error.reason
    assert server.received == []


def test_auth_without_tls_when_server_requires_it(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("auth", mode="starttls", users=USERS)
    record = make_account(
        "a", server.port, security="none", auth=True, username="otp@sender.test", password="x"
    )
    with pytest.raises(DeliveryError) as caught:
        _send(record, client_tls)
    assert caught.value.stage == "auth"
    assert "offers no log-in (AUTH) before TLS" in caught.value.reason


def test_starttls_required_but_not_offered(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("plain")
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port, security="starttls"), client_tls)
    assert caught.value.stage == "starttls"
    assert "does not offer STARTTLS" in caught.value.reason
    assert server.received == []


def test_untrusted_certificate(smtp_server: Start, make_account: Record) -> None:
    server = smtp_server("tls", mode="starttls")
    untrusting = ssl.create_default_context()  # system CAs only: the test CA is unknown
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port, security="starttls"), untrusting)
    assert caught.value.stage == "starttls"
    assert "TLS certificate of 127.0.0.1" in caught.value.reason
    assert "not trusted" in caught.value.reason
    assert server.received == []


def test_ssl_against_a_plain_server_hints_at_starttls(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("plain")
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port, security="ssl"), client_tls)
    assert caught.value.stage == "connect"
    assert "TLS with 127.0.0.1" in caught.value.reason
    assert "use security=starttls" in caught.value.reason


def test_connection_refused(make_account: Record, client_tls: ssl.SSLContext) -> None:
    server = RawServer()
    port = server.port
    server.stop()  # nothing listens there any more
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", port), client_tls)
    assert caught.value.stage == "connect"
    assert caught.value.reason == (
        f"127.0.0.1:{port} refused the connection (no server on that port, or a firewall)"
    )


def test_dropped_after_greeting(
    raw_server: Callable[..., RawServer], make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = raw_server()
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port), client_tls)
    assert caught.value.stage == "ehlo"
    assert caught.value.reason == f"127.0.0.1:{server.port} closed the connection during ehlo"


def test_silent_server_times_out(
    raw_server: Callable[..., RawServer], make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = raw_server(greeting=None)
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port), client_tls, timeout=0.3)
    assert caught.value.stage == "connect"
    assert "did not answer within 0.3 s during connect" in caught.value.reason


def test_unknown_host(
    make_account: Record, client_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> socket.socket:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", no_such_host)  # no DNS query goes out
    record = make_account("a", 25, host="no-such-host.invalid")
    with pytest.raises(DeliveryError) as caught:
        _send(record, client_tls)
    assert caught.value.reason == (
        "cannot resolve the host name 'no-such-host.invalid': Name or service not known"
    )


@pytest.mark.parametrize(
    ("reply", "code", "stage", "permanent"),
    [
        ("550 5.1.1 No such user", 550, "rcpt", True),
        ("451 4.3.0 Try again later", 451, "rcpt", False),
        ("550 5.7.1 Relaying denied", 550, "rcpt", False),
    ],
)
def test_rcpt_rejections(
    smtp_server: Start,
    make_account: Record,
    client_tls: ssl.SSLContext,
    reply: str,
    code: int,
    stage: str,
    permanent: bool,
) -> None:
    server = smtp_server("reject", rcpt_reply=reply)
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port), client_tls)
    error = caught.value
    assert (error.code, error.stage, error.permanent) == (code, stage, permanent)
    assert error.reason == f"127.0.0.1:{server.port} refused the recipient: {reply}"
    assert error.temporary is (code < 500)


def test_data_rejection(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    server = smtp_server("spam", data_reply="554 5.7.1 Message looks like spam")
    with pytest.raises(DeliveryError) as caught:
        _send(make_account("a", server.port), client_tls)
    assert caught.value.stage == "data" and not caught.value.permanent
    assert caught.value.reason.endswith("refused the message: 554 5.7.1 Message looks like spam")


def test_definite_rejection_rules() -> None:
    assert definite_rejection(550, b"5.1.1 <x@example.com>: Recipient address rejected")
    assert definite_rejection(553, "5.1.3 Bad recipient address syntax")
    assert definite_rejection(550, "No such user here")
    assert not definite_rejection(550, "Relaying denied")
    assert not definite_rejection(550, "5.7.1 Relaying denied")
    assert not definite_rejection(550, "5.4.5 Daily user sending quota exceeded")
    assert not definite_rejection(554, "5.1.1 whatever")
    assert not definite_rejection(451, "4.1.1 try later")


def test_message_headers_cannot_be_injected() -> None:
    data = build_message("otp@sender.test", _message())
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc" not in head and b"\n\n" not in head
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF everywhere
