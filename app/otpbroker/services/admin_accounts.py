"""Administrators of the browser admin: the account book plus the rules only they have.

The last active, unblocked administrator can never be deleted, deactivated or blocked:
the check and the change run inside one repository transaction, so two requests removing
the last two usable administrators at the same time cannot both succeed, whether they come
from two threads of the server or from the server and the CLI. The first administrator is
added once (the device's setup), a login checks the password at the same cost whether the
user name exists or not, and a forgotten password is reset for an active administrator
found by user name or e-mail. Each administrator may pick the admin's language (kept on
the account; empty: the browser's), and the first one chooses the device's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.domain.password_hash import verify_unknown_user
from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import ENGLISH, _, supported
from otpbroker.services.account_book import AccountBook, AccountError, PasswordRule, usable

COLLECTION = "admins"
DEVICE_LANGUAGE = "device.language"


def chosen_language(code: str | None) -> str:
    """A language as chosen in a form: ``""`` (the browser's), ``en`` or ``id``; any other
    code is English (no error: a stale or forged form still gets a usable admin)."""
    text = str(code or "").strip()
    return (supported(text) or ENGLISH) if text else ""


class LastAdministratorError(AccountError):
    """The change would leave no active, unblocked administrator."""


class AlreadySetUpError(AccountError):
    """The first administrator exists already."""


class AdminAccounts(AccountBook):
    """Administrators: list, add, edit, activate, block, delete, passwords, login."""

    def __init__(self, repo: Repository, password_rule: PasswordRule) -> None:
        super().__init__(repo, password_rule, COLLECTION, "administrator")

    def _check_change(self, record: Mapping[str, Any], change: Mapping[str, Any] | None) -> None:
        """Refuse a change that leaves no usable administrator (inside the transaction)."""
        remaining = []
        for admin in self._repo.list(COLLECTION):
            if admin["id"] == record["id"]:
                if change is None:
                    continue
                admin = {**admin, **change}
            remaining.append(admin)
        if not any(usable(admin) for admin in remaining):
            name = str(record["username"])
            if change is None:
                text = _(
                    "{name} is the last active administrator and cannot be deleted (an "
                    "active, unblocked administrator must remain; add or unblock another one "
                    "first)"
                )
            elif "blocked" in change:
                text = _(
                    "{name} is the last active administrator and cannot be blocked (an "
                    "active, unblocked administrator must remain; add or unblock another one "
                    "first)"
                )
            else:
                text = _(
                    "{name} is the last active administrator and cannot be deactivated (an "
                    "active, unblocked administrator must remain; add or unblock another one "
                    "first)"
                )
            raise LastAdministratorError("_form", text.format(name=repr(name)))

    # -- first run -----------------------------------------------------------------------

    def exist(self) -> bool:
        """True once the first administrator has been added."""
        return bool(self._repo.list(COLLECTION))

    def add_first(
        self, fields: Mapping[str, Any], password: str, device_language: str = ""
    ) -> dict[str, Any]:
        """Add the first administrator and store the device's language (brochure, e-mails;
        anything unknown: English); AlreadySetUpError once there is one."""
        with self._repo.transaction():
            if self.exist():
                raise AlreadySetUpError("_form", _("this device is set up already: log in"))
            admin = self._add(fields, password)
            self.set_device_language(device_language)
            return admin

    def set_device_language(self, code: str | None) -> str:
        """Store the device's language (brochure, e-mails); anything unknown: English."""
        language = supported(code) or ENGLISH
        self._repo.update_settings({DEVICE_LANGUAGE: language})
        return language

    def set_language(self, admin_id: str, code: str | None) -> dict[str, Any]:
        """Keep the admin's language of ``admin_id`` (``""``: follow the browser)."""
        with self._repo.transaction():
            self._record(admin_id)
            self._repo.update(COLLECTION, admin_id, {"language": chosen_language(code)})
            return self.get(admin_id)

    # -- logging in and resetting --------------------------------------------------------

    def log_in(self, username: str, password: str) -> dict[str, Any] | None:
        """The administrator for a right user name and password, if active and unblocked.

        An unknown user name costs the slow hash a known one does (no probing by timing).
        """
        record = self._named(username)
        if record is None:
            verify_unknown_user(password)
            return None
        ok = bool(password) and self.check_password(record["id"], password)
        return self.get(record["id"]) if ok and usable(record) else None

    def find_for_reset(self, login: str) -> dict[str, Any] | None:
        """The active, unblocked administrator whose user name or e-mail is ``login``."""
        wanted = login.casefold()
        for admin in self._repo.list(COLLECTION):
            names = (str(admin.get("username", "")).casefold(),
                     str(admin.get("email", "")).casefold())  # fmt: skip
            if wanted in names and usable(admin):
                return self.get(admin["id"])
        return None
