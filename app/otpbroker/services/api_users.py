"""API users (accounts that send through the REST API): the account book, plus what the
API's authenticator needs: a user by exact name and a version that changes with any user.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms, Lane
from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import _
from otpbroker.services.account_book import FIELDS, AccountBook, AccountError, PasswordRule

COLLECTION = "api_users"
EDITABLE = (*FIELDS, "default_ttl_seconds", "default_priority")
"""The fields of an API user its form edits (the account's, then its sending defaults)."""


class ApiUsers(AccountBook):
    """API users: list, add, edit, activate, block, delete, passwords, authentication."""

    def __init__(self, repo: Repository, password_rule: PasswordRule) -> None:
        super().__init__(repo, password_rule, COLLECTION, "API user")
        self._seen: tuple[int, str] = (-1, "")

    def find_for_login(self, username: str) -> Mapping[str, Any] | None:
        """The user called exactly ``username``, with its password hash (for verifying)."""
        for record in self._repo.list(COLLECTION):
            if record.get("username") == username:
                return record
        return None

    def version(self) -> str:
        """Changes whenever any API user record changes (not on other settings)."""
        generation = self._repo.generation
        seen, version = self._seen
        if generation != seen:
            users = json.dumps(self._repo.list(COLLECTION), sort_keys=True).encode()
            version = hashlib.sha256(users).hexdigest()
            self._seen = (generation, version)
        return version

    def add(self, fields: Mapping[str, Any], password: str) -> dict[str, Any]:
        """Add an API user (its default ttl may come as form text)."""
        return super().add(_typed(fields), password)

    def edit(
        self, account_id: str, fields: Mapping[str, Any], password: str = ""
    ) -> dict[str, Any]:
        """Change an API user (its default ttl may come as form text)."""
        return super().edit(account_id, _typed(fields), password)

    def terms_for(self, username: str) -> DeliveryTerms:
        """The sending defaults of the API user called exactly ``username``: its messages'
        default ttl (None: the device's) and lane; no terms for an unknown name."""
        record = self.find_for_login(username)
        if record is None:
            return NO_TERMS
        ttl = int(record.get("default_ttl_seconds") or 0)
        priority = str(record.get("default_priority") or Lane.OTP.value)
        lane = Lane.BULK if priority == Lane.BULK.value else Lane.OTP
        return DeliveryTerms(default_ttl=float(ttl) if ttl > 0 else None, default_lane=lane)


def _typed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with ``default_ttl_seconds`` as a whole number when typed as text
    (blank: 0, the device's default); the store checks its range."""
    typed = dict(fields)
    ttl = typed.get("default_ttl_seconds")
    if isinstance(ttl, str):
        text = ttl.strip() or "0"
        if not text.isdigit():
            raise AccountError(
                "default_ttl_seconds",
                _(
                    "must be a whole number of seconds, 0-604800 (0 = the device's default), "
                    "got {value}"
                ).format(value=repr(text[:20])),
            )
        typed["default_ttl_seconds"] = int(text)
    return typed
