"""The "local" account: direct delivery to a loopback "MX" found by a fake resolver."""

from __future__ import annotations

import socket
import ssl
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from smtp_servers import SmtpServer

from otpbroker.domain.mail import MailFailure, MailMessage, MailResult
from otpbroker.mail import DnsError, MailGateway, Resolver

Start = Callable[..., SmtpServer]
Record = Callable[..., dict[str, Any]]
LOCAL = {"id": "id-local", "name": "device", "kind": "local", "sender": "otp@device.test"}


class FakeResolver:
    """MX answers by domain; an exception instance is raised instead."""

    def __init__(self, answers: dict[str, list[tuple[int, str]] | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def mx(self, domain: str) -> list[tuple[int, str]]:
        self.asked.append(domain)
        answer = self.answers[domain]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _relay(resolver: Resolver, port: int, *records: dict[str, Any], **kwargs: Any) -> MailGateway:
    return MailGateway(
        lambda: [LOCAL, *records], resolver=resolver, relay_port=port, timeout=5.0,
        helo_name="otp.device.test", **kwargs,
    )  # fmt: skip


def _send(gateway: MailGateway, recipient: str = "user@example.com") -> MailResult:
    return gateway.send(MailMessage(recipient, "Kode OTP", "OTP Anda adalah 246810"))


def test_relay_plain(smtp_server: Start) -> None:
    mx = smtp_server("mx")
    resolver = FakeResolver({"example.com": [(10, "127.0.0.1")]})
    result = _send(_relay(resolver, mx.port))
    assert result.ok and result.account == "device"
    assert resolver.asked == ["example.com"]
    got = mx.received[0]
    assert (got.mail_from, got.rcpt_tos, got.tls, got.authenticated) == (
        "otp@device.test", ["user@example.com"], False, False,
    )  # fmt: skip
    assert got.helo == "otp.device.test"
    assert got.parsed().get_content().rstrip() == "OTP Anda adalah 246810"


def test_relay_uses_starttls_when_offered_without_verifying(smtp_server: Start) -> None:
    # The server's certificate is issued by the test CA, which the relay does not know:
    # opportunistic TLS encrypts anyway.
    mx = smtp_server("mx", mode="starttls")
    result = _send(_relay(FakeResolver({"example.com": [(10, "127.0.0.1")]}), mx.port))
    assert result.ok
    assert mx.received[0].tls is True


def test_relay_falls_back_to_clear_text_when_tls_breaks(
    smtp_server: Start, server_tls: ssl.SSLContext, test_certs: Any
) -> None:
    broken = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    broken.load_cert_chain(test_certs.cert, test_certs.key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        broken.maximum_version = ssl.TLSVersion.TLSv1_1  # the relay wants TLS 1.2 or newer
    mx = smtp_server("mx", mode="starttls", tls_context=broken, require_starttls=False)
    result = _send(_relay(FakeResolver({"example.com": [(10, "127.0.0.1")]}), mx.port))
    assert result.ok, result
    assert mx.received[0].tls is False


def test_relay_tries_mx_hosts_in_order(smtp_server: Start) -> None:
    second = smtp_server("mx2")  # 127.0.0.2 has nothing on that port: refused
    resolver = FakeResolver({"example.com": [(5, "127.0.0.2"), (10, "127.0.0.1")]})
    result = _send(_relay(resolver, second.port))
    assert result.ok and result.attempts == []
    assert len(second.received) == 1


def test_relay_next_mx_after_4xx_but_not_after_5xx(smtp_server: Start) -> None:
    good = smtp_server("good")
    busy = smtp_server(
        "busy", host="127.0.0.2", port=good.port, rcpt_reply="451 4.7.1 Greylisted, retry"
    )
    resolver = FakeResolver({"example.com": [(5, "127.0.0.2"), (10, "127.0.0.1")]})
    assert _send(_relay(resolver, good.port)).ok
    assert len(good.received) == 1 and busy.handler.rcpt_seen == ["user@example.com"]
    busy.stop()

    strict = smtp_server(
        "strict", host="127.0.0.2", port=good.port, rcpt_reply="550 5.1.1 No such mailbox"
    )
    result = _send(_relay(resolver, good.port))
    assert not result.ok and result.reason is MailFailure.RECIPIENT_REJECTED
    assert result.error == (
        f"the recipient was refused: 127.0.0.2:{good.port} refused the recipient: "
        "550 5.1.1 No such mailbox"
    )
    assert len(good.received) == 1  # the lower-preference MX was not asked
    assert strict.handler.rcpt_seen == ["user@example.com"]


def test_relay_unreachable_hints_at_port_25(make_account: Record) -> None:
    try:
        socket.create_connection(("127.0.0.2", 25), timeout=0.5).close()
    except OSError:
        pass
    else:
        pytest.skip("something listens on 127.0.0.2:25 here")
    resolver = FakeResolver({"example.com": [(10, "127.0.0.2")]})
    gateway = MailGateway(lambda: [LOCAL], resolver=resolver, timeout=2.0)  # the real port 25
    result = _send(gateway)
    assert not result.ok and result.reason is MailFailure.SEND_FAILED
    name, reason = result.attempts[0]
    assert name == "device"
    assert reason.startswith("no mail server of example.com took the mail: 127.0.0.2:25")
    assert reason.endswith("(no MX host could be reached: many ISPs block outgoing port 25)")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (DnsError("the domain example.com does not exist (NXDOMAIN)", permanent=True),
         MailFailure.RECIPIENT_REJECTED),
        (DnsError("no name server answered for example.com: 127.0.0.1: timed out"),
         MailFailure.SEND_FAILED),
    ],
)  # fmt: skip
def test_relay_dns_errors(error: DnsError, reason: MailFailure) -> None:
    result = _send(_relay(FakeResolver({"example.com": error}), 25))
    assert not result.ok and result.reason is reason
    assert result.attempts == [
        ("device", f"cannot find the mail servers of example.com: {error.reason}")
    ]


def test_relay_dns_failure_fails_over_to_an_smtp_account(
    smtp_server: Start, make_account: Record
) -> None:
    smtp = smtp_server("smtp")
    resolver = FakeResolver({"example.com": DnsError("no name server answered")})
    result = _send(_relay(resolver, 25, make_account("smtp", smtp.port)))
    assert result.ok and result.account == "smtp"
    assert result.attempts[0][0] == "device"
