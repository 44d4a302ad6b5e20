"""DDNS provider accounts and the records kept up to date: the rules of changing them.

- An account has what its provider needs (a token, or a user name and password); a secret
  left out of a change keeps the stored one. New credentials let the account's records that
  a fatal answer stopped try again. An account that records still use is not deleted.
- A record names an existing account, and only a Cloudflare record can be proxied. Editing
  a record clears a stop after a fatal answer; changing what is sent (name, account,
  proxying, TTL) makes the updater send the address again.

Refusals are ``DdnsRefused`` with ``{field: reason}`` (field names without their form).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import N_, _

ACCOUNTS = "ddns_accounts"
RECORDS = "ddns_records"
PROVIDERS = {"cloudflare": "Cloudflare", "noip": "No-IP", "dynu": "Dynu",
             "freedns": "FreeDNS (afraid.org)"}  # fmt: skip
SECRETS = ("password", "api_token")
NEEDS = {"cloudflare": ("api_token",), "freedns": ("api_token",),
         "noip": ("username", "password"), "dynu": ("username", "password")}  # fmt: skip
NEED_TEXT = {"api_token": N_("this provider needs its token"),
             "username": N_("required for this provider"),
             "password": N_("required for this provider")}  # fmt: skip
PUSHED = ("name", "account", "proxied", "ttl")  # changing these re-sends the address
ONLY_CLOUDFLARE = N_("only Cloudflare records can be proxied")


class DdnsRefused(ValueError):
    """Nothing was changed; ``errors`` maps each refused field (``_form``: none) to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {text}" for key, text in errors.items()))
        self.errors = dict(errors)


def store_errors(exc: ValueError) -> dict[str, str]:
    """``{field: reason}`` from a refusal of the configuration (``key`` ``collection.field``)."""
    key = str(getattr(exc, "key", "") or "")
    return {key.rsplit(".", 1)[-1] if key else "_form": str(getattr(exc, "rule", "") or exc)}


def account_problems(values: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, str]:
    """What an account lacks for its provider (a secret already stored counts)."""
    provider = values.get("provider")
    if provider not in PROVIDERS:
        return {"provider": _("must be one of {choices}").format(choices=", ".join(PROVIDERS))}
    return {key: _(NEED_TEXT[key]) for key in NEEDS[str(provider)]
            if not values.get(key) and not (stored or {}).get(key)}  # fmt: skip


class DdnsAccounts:
    """Add, change, activate and delete DDNS accounts and records."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    def accounts(self) -> list[dict[str, Any]]:
        """Every account (with its secrets: show them only through ``public_account``)."""
        return self._repo.list(ACCOUNTS)

    def records(self) -> list[dict[str, Any]]:
        """Every record with the updater's last address, time and answer."""
        return self._repo.list(RECORDS)

    def account(self, account_id: str) -> dict[str, Any]:
        """One account (LookupError when there is none)."""
        return self._repo.get_record(ACCOUNTS, account_id)

    def record(self, record_id: str) -> dict[str, Any]:
        """One record (LookupError when there is none)."""
        return self._repo.get_record(RECORDS, record_id)

    def _store(self, collection: str, record_id: str | None, values: Mapping[str, Any]
               ) -> dict[str, Any]:  # fmt: skip
        try:
            if record_id is None:
                return self._repo.add(collection, values)
            return self._repo.update(collection, record_id, values)
        except ValueError as exc:
            raise DdnsRefused(store_errors(exc)) from None

    # -- accounts ----------------------------------------------------------------------------

    def add_account(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Add an account (DdnsRefused)."""
        problems = account_problems(values, None)
        if problems:
            raise DdnsRefused(problems)
        return self._store(ACCOUNTS, None, values)

    def save_account(self, account_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change an account; its records stopped by a fatal answer try again."""
        problems = account_problems(values, self.account(account_id))
        if problems:
            raise DdnsRefused(problems)
        saved = self._store(ACCOUNTS, account_id, values)
        for record in self.records():
            if record.get("account") == account_id and record.get("last_status") == "fatal":
                self._repo.update(RECORDS, str(record["id"]), {"last_status": ""})
        return saved

    def set_account_active(self, account_id: str, active: bool) -> dict[str, Any]:
        """Activate or deactivate an account."""
        self.account(account_id)
        return self._store(ACCOUNTS, account_id, {"active": active})

    def users_of(self, account_id: str) -> list[str]:
        """The names of the records that use an account."""
        return [str(r["name"]) for r in self.records() if r.get("account") == account_id]

    def delete_account(self, account_id: str) -> dict[str, Any]:
        """Delete an account no record uses (DdnsRefused naming the records otherwise)."""
        stored = self.account(account_id)
        used = self.users_of(account_id)
        if used:
            users = ", ".join(used)
            text = _("DDNS account {name} is used by {records}: delete or move those records "
                     "first.").format(name=stored["name"], records=users)  # fmt: skip
            raise DdnsRefused({"_form": text})
        self._repo.delete(ACCOUNTS, account_id)
        return stored

    # -- records -----------------------------------------------------------------------------

    def _check_account(self, values: Mapping[str, Any]) -> None:
        """The record's account exists, and can proxy when the record asks for it."""
        account = next((a for a in self.accounts() if a["id"] == values.get("account")), None)
        if account is None:
            raise DdnsRefused({"account": _("choose one of the accounts (add an account first)")})
        if values.get("proxied") and account.get("provider") != "cloudflare":
            raise DdnsRefused({"proxied": _(ONLY_CLOUDFLARE)})

    def add_record(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Add a record to keep up to date (DdnsRefused)."""
        self._check_account(values)
        return self._store(RECORDS, None, values)

    def save_record(self, record_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change a record: clears a stop; a changed pushed field re-sends the address."""
        stored = self.record(record_id)
        self._check_account(values)
        changes = {**values, "last_status": ""}
        if any(stored.get(key) != values.get(key) for key in PUSHED):
            changes["last_address"] = ""
        return self._store(RECORDS, record_id, changes)

    def set_record_active(self, record_id: str, active: bool) -> dict[str, Any]:
        """Activate (which clears a stop) or deactivate a record."""
        self.record(record_id)
        cleared = {"last_status": ""} if active else {}  # activating clears a stop
        return self._store(RECORDS, record_id, {"active": active, **cleared})

    def set_record_proxied(self, record_id: str, proxied: bool) -> dict[str, Any]:
        """Proxy (Cloudflare only) or stop proxying a record; the address is sent again."""
        stored = self.record(record_id)
        if proxied:
            self._check_account({**stored, "proxied": True})
        return self._store(RECORDS, record_id,
                           {"proxied": proxied, "last_address": "", "last_status": ""})  # fmt: skip

    def delete_record(self, record_id: str) -> dict[str, Any]:
        """Delete a record."""
        stored = self.record(record_id)
        self._repo.delete(RECORDS, record_id)
        return stored
