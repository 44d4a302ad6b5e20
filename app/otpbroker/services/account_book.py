"""Accounts with passwords (administrators, API users): the rules both kinds share.

An account book is one collection of the ``Repository``: it lists accounts without their
password hashes, adds an account together with its password (the password is checked
first, and an account whose password could not be stored is removed again, so there is
never an account without one), edits all or nothing, sets the ``active`` and ``blocked``
flags, deletes, and stores passwords as salted hashes (the repository hashes them).
Every check-and-change runs inside one repository transaction, which holds the store
against other threads and other processes (the CLI beside the running server), so a rule
checked before a change still holds when the change is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import N_, _

PasswordRule = Callable[[str], None]  # raises ValueError (with ``key``) for a refused password
FIELDS = ("username", "phone", "email")
FLAGS: dict[str, tuple[str, bool]] = {
    "activate": ("active", True),
    "deactivate": ("active", False),
    "block": ("blocked", True),
    "unblock": ("blocked", False),
}
SECRET = "password_hash"  # noqa: S105 (the name of the hash field)
#: What refusals say, per kind of account (whole sentences: word order differs by language).
MESSAGES: dict[str, dict[str, str]] = {
    "administrator": {
        "no_such": N_("no such administrator"),
        "not_named": N_("no administrator named {name}"),
        "taken": N_(
            "an administrator named {other} already exists: {name} is already used by "
            "record {record} (user names are compared case-insensitively)"
        ),
    },
    "API user": {
        "no_such": N_("no such API user"),
        "not_named": N_("no API user named {name}"),
        "taken": N_(
            "an API user named {other} already exists: {name} is already used by record "
            "{record} (user names are compared case-insensitively)"
        ),
    },
}


class AccountError(ValueError):
    """A refused account change; ``key`` names the form field, the text says why."""

    def __init__(self, key: str, rule: str) -> None:
        super().__init__(rule)
        self.key = key
        self.rule = rule


class DuplicateAccountError(AccountError):
    """The user name is taken (user names are compared case-insensitively)."""


class AccountNotFoundError(AccountError, LookupError):
    """No account with that id or name."""


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """An account as callers may show it: no hash, only whether a password is set."""
    view = {key: value for key, value in record.items() if key != SECRET}
    view["password_set"] = bool(record.get(SECRET))
    return view


def usable(record: Mapping[str, Any]) -> bool:
    """True for an account that may log in (active and not blocked)."""
    return bool(record.get("active")) and not record.get("blocked")


class AccountBook:
    """One collection of accounts with passwords, changed inside repository transactions."""

    def __init__(
        self, repo: Repository, password_rule: PasswordRule, collection: str, noun: str
    ) -> None:
        self._repo = repo
        self._password_rule = password_rule
        self.collection = collection
        self.noun = noun  # "administrator", "API user": how messages name an account

    def _message(self, which: str) -> str:
        """A refusal's text for this kind of account, in the current language."""
        return _(MESSAGES[self.noun][which])

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        """Every account, without password hashes."""
        return [public(record) for record in self._repo.list(self.collection)]

    def get(self, account_id: str) -> dict[str, Any]:
        """One account by id, without its hash; AccountNotFoundError when there is none."""
        return public(self._record(account_id))

    def named(self, name: str) -> dict[str, Any] | None:
        """The account called ``name`` (compared case-insensitively), without its hash."""
        record = self._named(name)
        return public(record) if record is not None else None

    def require(self, name: str) -> dict[str, Any]:
        """The account called ``name``; AccountNotFoundError naming it when there is none."""
        found = self.named(name)
        if found is None:
            text = self._message("not_named").format(name=repr(name))
            raise AccountNotFoundError("username", text)
        return found

    def _record(self, account_id: str) -> dict[str, Any]:
        try:
            return self._repo.get_record(self.collection, account_id)
        except LookupError:
            raise AccountNotFoundError("_form", self._message("no_such")) from None

    def _named(self, name: str) -> dict[str, Any] | None:
        wanted = name.strip().casefold()
        for record in self._repo.list(self.collection):
            if str(record.get("username", "")).casefold() == wanted:
                return record
        return None

    # -- changes -------------------------------------------------------------------------

    def add(self, fields: Mapping[str, Any], password: str) -> dict[str, Any]:
        """Add an active, unblocked account with ``password``; all or nothing."""
        with self._repo.transaction():
            return self._add(fields, password)

    def _add(self, fields: Mapping[str, Any], password: str) -> dict[str, Any]:
        """``add`` for a caller inside a transaction."""
        self._password_rule(password)  # before anything is stored
        self._refuse_taken(str(fields.get("username", "")), None)
        record = self._repo.add(self.collection, {**fields, "active": True, "blocked": False})
        try:
            self._repo.set_password(self.collection, record["id"], password)
        except BaseException:  # never keep an account without its password
            self._repo.delete(self.collection, record["id"])
            raise
        return self.get(record["id"])

    def _refuse_taken(self, username: str, account_id: str | None) -> None:
        other = self._named(username)
        if other is not None and other["id"] != account_id:
            text = self._message("taken").format(
                other=repr(other["username"]), name=repr(username), record=repr(other["id"])
            )
            raise DuplicateAccountError("username", text)

    def edit(
        self, account_id: str, fields: Mapping[str, Any], password: str = ""
    ) -> dict[str, Any]:
        """Change the fields and, unless ``password`` is blank, the password; all or nothing."""
        with self._repo.transaction():
            before = self._record(account_id)
            if password:
                self._password_rule(password)
            if "username" in fields:
                self._refuse_taken(str(fields["username"]), account_id)
            self._check_flags(before, fields)
            self._repo.update(self.collection, account_id, fields)
            if password:
                try:
                    self._repo.set_password(self.collection, account_id, password)
                except BaseException:  # undo the other fields
                    undo = {key: before[key] for key in fields if key in before}
                    self._repo.update(self.collection, account_id, undo)
                    raise
            return self.get(account_id)

    def set_flag(self, account_id: str, action: str) -> dict[str, Any]:
        """``activate``, ``deactivate``, ``block`` or ``unblock`` an account; the account."""
        field, value = FLAGS[action]
        with self._repo.transaction():
            self._check_change(self._record(account_id), {field: value})
            return public(self._repo.update(self.collection, account_id, {field: value}))

    def delete(self, account_id: str) -> dict[str, Any]:
        """Remove an account; the account as it was."""
        with self._repo.transaction():
            record = self._record(account_id)
            self._check_change(record, None)
            self._repo.delete(self.collection, account_id)
            return public(record)

    def _check_flags(self, record: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
        """Check an edit that makes ``record`` unusable like the flag change it amounts to."""
        flags = {key: fields[key] for key in ("active", "blocked") if key in fields}
        if usable(record) and not usable({**record, **flags}):
            self._check_change(record, flags)

    def _check_change(self, record: Mapping[str, Any], change: Mapping[str, Any] | None) -> None:
        """Refuse a change (None: the deletion) of ``record``, inside the transaction.

        No rule here; a kind of account with a rule of its own overrides it.
        """

    def set_password(self, account_id: str, password: str) -> None:
        """Store a new password (the repository keeps a salted hash only).

        No transaction: the repository checks that the account exists as it stores the
        hash, and the slow hashing never holds the store.
        """
        self._password_rule(password)
        self._record(account_id)
        try:
            self._repo.set_password(self.collection, account_id, password)
        except LookupError:  # deleted in between
            raise AccountNotFoundError("_form", self._message("no_such")) from None

    def check_password(self, account_id: str, password: str) -> bool:
        """True when ``password`` is the account's password."""
        return self._repo.check_password(self.collection, account_id, password)
