"""The e-mail accounts over the real configuration store: passwords never handed back, a
blank password keeps the stored one, an SMTP account that could never send is refused, and
the test mail goes through the mail service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from otpbroker.config import ConfigStore
from otpbroker.services.mail_accounts import (
    TEST_SUBJECT,
    MailAccountRefused,
    MailAccounts,
    problems,
)

SMTP = {"name": "office", "kind": "smtp", "host": "smtp.example.com", "port": 587,
        "security": "starttls", "auth": True, "username": "otp", "sender": "otp@example.com",
        "daily_limit": 0, "active": True}  # fmt: skip


class Mailer:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.sent: list[tuple[str, str, str, str]] = []

    def send_mail(self, recipient: str, subject: str, body: str, source: str):
        self.sent.append((recipient, subject, body, source))
        if self.ok:
            return SimpleNamespace(ok=True, data={"account": "office"})
        code = SimpleNamespace(response_code="1210")
        return SimpleNamespace(ok=False, data=None, code=code, text="e-mail is not configured")


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def mailer() -> Mailer:
    return Mailer()


@pytest.fixture
def accounts(store, mailer) -> MailAccounts:
    return MailAccounts(store, lambda: mailer, lambda: [{"name": "office", "sent": 3}])


def test_passwords_are_never_handed_back(accounts, store):
    added = accounts.add(SMTP, "s3cret")
    assert "password" not in added and added["password_set"] is True
    assert store.get_record("mail_accounts", added["id"])["password"] == "s3cret"
    assert all("password" not in shown for shown in accounts.list())
    assert accounts.get(added["id"])["password_set"] is True


def test_a_blank_password_keeps_the_stored_one(accounts, store):
    account = accounts.add(SMTP, "s3cret")
    accounts.edit(account["id"], {**SMTP, "port": 465, "security": "ssl"}, "")
    stored = store.get_record("mail_accounts", account["id"])
    assert (stored["port"], stored["password"]) == (465, "s3cret")
    accounts.edit(account["id"], SMTP, "n3w")
    assert store.get_record("mail_accounts", account["id"])["password"] == "n3w"


def test_an_smtp_account_that_could_never_send_is_refused(accounts, store):
    with pytest.raises(MailAccountRefused) as refused:
        accounts.add({**SMTP, "host": "", "username": ""}, "")
    assert refused.value.errors == {
        "host": "an SMTP account needs the server's host name",
        "username": "required when logging in is on (or untick it)",
    }
    assert store.list("mail_accounts") == []
    assert problems({**SMTP, "auth": False, "username": ""}) == {}
    assert problems({"kind": "local", "host": "", "username": ""}) == {}
    account = accounts.add(SMTP, "s3cret")
    with pytest.raises(MailAccountRefused):
        accounts.edit(account["id"], {**SMTP, "username": ""}, "")
    assert store.get_record("mail_accounts", account["id"])["username"] == "otp"


def test_the_configuration_refusal_names_the_field(accounts, store):
    accounts.add(SMTP, "")
    with pytest.raises(ValueError) as refused:
        accounts.add(SMTP, "")  # account names are unique
    assert str(getattr(refused.value, "key", "")).startswith("mail_accounts.")
    with pytest.raises(LookupError):
        accounts.edit("missing", SMTP, "")


def test_activate_deactivate_and_delete(accounts, store):
    account = accounts.add(SMTP, "s3cret")
    assert accounts.set_active(account["id"], False)["active"] is False
    assert accounts.set_active(account["id"], True)["active"] is True
    deleted = accounts.delete(account["id"])
    assert deleted["name"] == "office" and "password" not in deleted
    assert store.list("mail_accounts") == []
    with pytest.raises(LookupError):
        accounts.delete(account["id"])


def test_usage_by_account_name_and_unreadable_counters(store, mailer):
    assert MailAccounts(store, lambda: mailer, lambda: [{"name": "office"}]).usage() == {
        "office": {"name": "office"}}  # fmt: skip

    def broken() -> list:
        raise OSError("unreadable")

    assert MailAccounts(store, lambda: mailer, broken).usage() == {}


def test_the_test_mail_goes_through_the_mail_service(accounts, mailer, store):
    assert accounts.send_test("me@example.com", "body") == (
        True, "Test mail sent to me@example.com via account office.")  # fmt: skip
    assert mailer.sent == [("me@example.com", TEST_SUBJECT, "body", "admin")]
    failing = MailAccounts(store, lambda: Mailer(ok=False))
    assert failing.send_test("me@example.com", "body") == (
        False, "Test mail not sent (1210): e-mail is not configured")  # fmt: skip
    missing = MailAccounts(store, lambda: None)
    assert missing.send_test("me@example.com", "body") == (
        False, "Test mail not sent: the e-mail service is not available.")  # fmt: skip
