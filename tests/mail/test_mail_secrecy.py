"""The mail path keeps subject, body and passwords out of logs and writes no file.

Every outcome is driven through MailService + MailGateway against real loopback servers
(success, fail-over, refusal, auth failure, relay via the DNS client, no account, bad
request) while the DEBUG log is captured and an audit hook records every file opened for
writing, every directory made and every rename.
"""

from __future__ import annotations

import logging
import os
import ssl
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dns_fake import FakeDnsServer, Zone
from smtp_servers import RawServer, SmtpServer

from otpbroker.mail import DnsResolver, MailGateway
from otpbroker.mail.accounts import MailAccount
from otpbroker.services.mail import MailService
from otpbroker.services.replies import Code

SUBJECT = "Kode rahasia 918273"
BODY = "OTP Anda adalah 918273. Jangan berikan kepada siapa pun."
PASSWORD = "s3cret-app-pass-771"
SECRETS = (SUBJECT, BODY, "918273", PASSWORD)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class _FileWatch:
    """Records file writes from every thread while ``active`` (an audit hook stays for good)."""

    active = False
    events: list[str] = []
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if not cls.active:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if writing:
                cls.events.append(f"open {path!r} {mode!r} {flags!r}")
        elif event in ("os.mkdir", "os.rename", "os.symlink", "os.link", "os.truncate"):
            cls.events.append(f"{event} {args!r}")


@pytest.fixture
def file_watch() -> Iterator[type[_FileWatch]]:
    if not _FileWatch.installed:
        sys.addaudithook(_FileWatch.hook)
        _FileWatch.installed = True
    _FileWatch.events = []
    yield _FileWatch
    _FileWatch.active = False


def _listing(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


def test_no_secret_in_logs_and_no_file_written(
    smtp_server: Callable[..., SmtpServer],
    raw_server: Callable[..., RawServer],
    make_account: Callable[..., dict[str, Any]],
    client_tls: ssl.SSLContext,
    caplog: pytest.LogCaptureFixture,
    file_watch: type[_FileWatch],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    users = {"otp@sender.test": PASSWORD}
    good = smtp_server("good", mode="starttls", users=users)
    busy = smtp_server("busy", rcpt_reply="451 4.3.0 Try again later")
    strict = smtp_server("strict", rcpt_reply=f"550 5.1.1 no such user ({SUBJECT})")
    echo = smtp_server("echo", data_reply=f"554 5.7.1 rejected: {BODY}")
    drop = raw_server()
    mx = smtp_server("mx")
    dns = FakeDnsServer(Zone(records={"relay.test": {"MX": [(10, "127.0.0.1")]}}))
    login = {"security": "starttls", "auth": True, "username": "otp@sender.test"}
    records = [
        make_account("drop", drop.port),
        make_account("wrongpw", good.port, password=PASSWORD + "x", **login),
        make_account("busy", busy.port),
        make_account("echo", echo.port),
        make_account("good", good.port, password=PASSWORD, **login),
    ]
    resolver = DnsResolver(["127.0.0.1"], port=dns.port, timeout=1.0)
    gateway = MailGateway(
        lambda: records, ssl_context=client_tls, resolver=resolver, relay_port=mx.port, timeout=5
    )
    service = MailService(gateway)

    empty_tmp, empty_cwd = tmp_path / "tmp", tmp_path / "cwd"
    empty_tmp.mkdir()
    empty_cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(empty_tmp))
    monkeypatch.chdir(empty_cwd)
    before = _listing(tmp_path)
    replies = []
    try:
        with caplog.at_level(logging.DEBUG):
            file_watch.active = True
            replies.append(service.send_mail("user@example.com", SUBJECT, BODY, "rest"))
            records[:] = [make_account("strict", strict.port), make_account("echo", echo.port)]
            replies.append(service.send_mail("user@example.com", SUBJECT, BODY, "amqp"))
            records[:] = [make_account("echo", echo.port)]
            replies.append(service.send_mail("user@example.com", SUBJECT, BODY, "mqtt"))
            records[:] = [{"id": "l", "name": "local", "kind": "local", "sender": "o@d.test"}]
            replies.append(service.send_mail("someone@relay.test", SUBJECT, BODY, "ws"))
            records[:] = []
            replies.append(service.send_mail("user@example.com", SUBJECT, BODY, "rest"))
            replies.append(
                service.send_mail("user@example.com", SUBJECT + "\r\nBcc: x", BODY, "rest")
            )
            file_watch.active = False
    finally:
        file_watch.active = False
        dns.stop()

    codes = [reply.code for reply in replies]
    assert codes == [
        Code.OK, Code.SEND_FAILED, Code.SEND_FAILED, Code.OK, Code.NOT_CONFIGURED,
        Code.INVALID_REQUEST,
    ]  # fmt: skip
    assert replies[0].data == {"account": "good"}
    assert len(good.received) == 1 and len(mx.received) == 1
    assert BODY in good.received[0].parsed().get_content()  # it did travel, to the server only

    # The product's own log lines exist, and none holds a secret (aiosmtpd's "mail.log"
    # is the test server's own DEBUG trace of the DATA it received).
    ours = [record for record in caplog.records if record.name.startswith("otpbroker")]
    assert len(ours) >= 8
    for record in caplog.records:
        if record.name.startswith("mail.log"):
            continue
        text = record.getMessage() + (record.exc_text or "")
        for secret in SECRETS:
            assert secret not in text, (record.name, text)
    for reply in replies:
        for secret in SECRETS:
            assert secret not in str(reply.as_json())
    assert "<masked>" in str(replies[2].as_json())  # the echoed body was scrubbed

    assert file_watch.events == []
    assert os.listdir(empty_tmp) == [] and os.listdir(empty_cwd) == []
    assert _listing(tmp_path) == before


def test_account_repr_hides_the_password() -> None:
    record = {"name": "gmail", "host": "smtp.gmail.com", "username": "me@gmail.com",
              "password": PASSWORD, "sender": "me@gmail.com"}  # fmt: skip
    account = MailAccount.from_record(record)
    assert account.usable and account.password == PASSWORD
    assert PASSWORD not in repr(account) and PASSWORD not in str(account)


def test_file_watch_sees_writes(file_watch: type[_FileWatch], tmp_path: Path) -> None:
    file_watch.active = True
    (tmp_path / "probe.txt").write_text("x")
    os.close(os.open(tmp_path / "probe2", os.O_CREAT | os.O_WRONLY))
    (tmp_path / "probe.txt").read_text()
    file_watch.active = False
    assert len(file_watch.events) == 2
