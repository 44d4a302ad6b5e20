"""API users (accounts that send through the REST API): the account book, plus what the
API's authenticator needs: a user by exact name and a version that changes with any user.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from otpbroker.domain.ports import Repository
from otpbroker.services.account_book import AccountBook, PasswordRule

COLLECTION = "api_users"


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
