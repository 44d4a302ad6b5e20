"""The e-mail accounts the broker sends through: list, add, edit, delete, activate and
deactivate them, and send a test mail through them.

Passwords are never handed back for display: an account's view says only whether one is
stored, and a blank password on an edit keeps the stored one. An SMTP account that could
never send is refused: it needs the server's host name, and a user name when it logs in.
The configuration validates the rest and refuses with a ``ValueError`` whose ``key`` names
the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from otpbroker.i18n.translate import N_, _

COLLECTION = "mail_accounts"
PASSWORD = "password"  # noqa: S105 (the name of the field)
TEST_SUBJECT = N_("OTP Broker test mail")
NOT_AVAILABLE = N_("Test mail not sent: the e-mail service is not available.")


class MailRecords(Protocol):
    """What the service needs of the configuration's records."""

    def list(self, name: str) -> list[dict[str, Any]]:
        """Every record of a collection."""
        ...

    def get_record(self, name: str, record_id: str) -> dict[str, Any]:
        """One record (LookupError when missing)."""
        ...

    def add(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and add a record."""
        ...

    def update(self, name: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and change a record."""
        ...

    def delete(self, name: str, record_id: str) -> None:
        """Remove a record."""
        ...


class Mailer(Protocol):
    """The ``send-mail`` use case (``services.mail.MailService``)."""

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Any:
        """Send and answer with a ``Reply`` (never raises)."""
        ...


class MailAccountRefused(ValueError):
    """The account was not stored; ``errors`` maps each refused field to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {rule}" for key, rule in errors.items()))
        self.errors = dict(errors)


def problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Why an account could never send (empty when it can): an SMTP account needs a host,
    and a user name when logging in is on."""
    found: dict[str, str] = {}
    if values.get("kind", "smtp") == "smtp":
        if not values.get("host"):
            found["host"] = _("an SMTP account needs the server's host name")
        if values.get("auth", True) and not values.get("username"):
            found["username"] = _("required when logging in is on (or untick it)")
    return found


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """An account as it may be shown: no password, only whether one is stored."""
    shown = {key: value for key, value in record.items() if key != PASSWORD}
    shown["password_set"] = bool(record.get(PASSWORD))
    return shown


def test_outcome(reply: Any, recipient: str) -> str:
    """The sentence telling the mail service's reply to a test mail (the service's own reason
    stays as it said it)."""
    if reply.ok:
        account = (reply.data or {}).get("account")
        if account:
            return _("Test mail sent to {recipient} via account {account}.").format(
                recipient=recipient, account=account
            )
        return _("Test mail sent to {recipient}.").format(recipient=recipient)
    return _("Test mail not sent ({code}): {reason}").format(
        code=reply.code.response_code, reason=reply.text
    )


class MailAccounts:
    """The e-mail accounts, their rules, today's usage and the test mail."""

    def __init__(
        self,
        records: MailRecords,
        mailer: Callable[[], Mailer | None],
        usage: Callable[[], list[dict[str, Any]]] = list,
    ) -> None:
        self._records = records
        self._mailer = mailer
        self._usage = usage

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        """Every account, without passwords."""
        return [public(record) for record in self._records.list(COLLECTION)]

    def get(self, account_id: str) -> dict[str, Any]:
        """One account without its password (LookupError when there is none)."""
        return public(self._records.get_record(COLLECTION, account_id))

    def usage(self) -> dict[str, dict[str, Any]]:
        """Today's counters per account name (empty when they cannot be read)."""
        try:
            return {str(u.get("name")): u for u in self._usage()}
        except Exception:  # the counters are a nicety; the accounts work without them
            return {}

    # -- changes -------------------------------------------------------------------------

    def add(self, values: Mapping[str, Any], password: str) -> dict[str, Any]:
        """Store a new account (MailAccountRefused, or ValueError naming the field)."""
        self._refuse_unusable(values)
        return public(self._records.add(COLLECTION, {**values, PASSWORD: password}))

    def edit(self, account_id: str, values: Mapping[str, Any], password: str) -> dict[str, Any]:
        """Change an account; a blank password keeps the stored one (LookupError,
        MailAccountRefused, or ValueError naming the field)."""
        self._refuse_unusable(values)
        change = {**values, PASSWORD: password} if password else dict(values)
        return public(self._records.update(COLLECTION, account_id, change))

    def set_active(self, account_id: str, active: bool) -> dict[str, Any]:
        """Activate or deactivate an account."""
        return public(self._records.update(COLLECTION, account_id, {"active": active}))

    def delete(self, account_id: str) -> dict[str, Any]:
        """Remove an account; the account as it was (LookupError when there is none)."""
        record = self.get(account_id)
        self._records.delete(COLLECTION, account_id)
        return record

    def _refuse_unusable(self, values: Mapping[str, Any]) -> None:
        found = problems(values)
        if found:
            raise MailAccountRefused(found)

    # -- the test mail -------------------------------------------------------------------

    def send_test(self, recipient: str, body: str) -> tuple[bool, str]:
        """Send the test mail through the accounts: (sent, what to tell)."""
        mailer = self._mailer()
        if mailer is None:
            return False, _(NOT_AVAILABLE)
        reply = mailer.send_mail(recipient, _(TEST_SUBJECT), body, "admin")
        return bool(reply.ok), test_outcome(reply, recipient)


__all__ = ["MailAccountRefused", "MailAccounts", "problems", "public"]
