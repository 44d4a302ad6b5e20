"""send-mail end to end: REST -> MailService -> SMTP accounts (a real SMTP server on loopback)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from broker_harness import BrokerHarness

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from smtp_servers import start_smtp


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.servers = [start_smtp(f"smtp{i}") for i in range(2)]
    for i, server in enumerate(h.servers):
        h.broker.store.add("mail_accounts", {
            "name": f"account {i}", "host": "127.0.0.1", "port": server.port, "security": "none",
            "auth": False, "sender": f"otp{i}@example.com",
        })  # fmt: skip
    h.start()
    yield h
    h.stop()
    for server in h.servers:
        server.stop()


@pytest.mark.parametrize("path", ["/api/mail", "/api/message"])
def test_send_mail_over_rest_uses_the_accounts_in_turn(harness, path):
    for i in range(4):
        body = {"command": "send-mail", "data": {"recipient": "admin@domain.tld",
                "subject": "Reset Password", "message": f"OTP Anda adalah 77{i}1"}}  # fmt: skip
        status, reply, _ = harness.request(path, body)
        assert (status, reply["response_code"]) == (200, "0000"), reply
        assert "77" not in str(reply)
    counts = [len(server.received) for server in harness.servers]
    assert counts == [2, 2]
    texts = sorted(m.parsed().get_content().strip() for s in harness.servers for m in s.received)
    assert texts == [f"OTP Anda adalah 77{i}1" for i in range(4)]


def test_failed_mail_is_1102_with_reasons(harness):
    for server in harness.servers:
        server.handler.data_reply = "451 4.3.0 try later"
    body = {"command": "send-mail", "data": {"recipient": "a@domain.tld", "message": "OTP 1"}}
    status, reply, _ = harness.request("/api/mail", body)
    assert (status, reply["response_code"]) == (502, "1102")
    assert "451" in reply["response_text"] and "OTP 1" not in reply["response_text"]


def test_admin_password_reset_by_mail(harness):
    store = harness.broker.store
    admin = store.add("admins", {"username": "owner", "email": "owner@domain.tld"})
    store.set_password("admins", admin["id"], "old-password-1")
    assert harness.broker.password_reset.reset("owner", via="mail").sent_via == "mail"
    [mail] = [m for s in harness.servers for m in s.received]
    assert mail.rcpt_tos == ["owner@domain.tld"]
    password = re.search(r"password is (\S+)", mail.parsed().get_content()).group(1)
    assert store.check_password("admins", admin["id"], password)


def test_send_mail_with_the_same_id_is_sent_once(harness):
    body = {
        "command": "send-mail",
        "data": {"id": "mail-1", "recipient": "a@domain.tld", "message": "OTP 5"},
    }
    assert harness.request("/api/mail", body)[0] == 200
    status, reply, _ = harness.request("/api/mail", body)
    assert (status, reply["response_code"]) == (409, "1205")
    assert sum(len(s.received) for s in harness.servers) == 1
