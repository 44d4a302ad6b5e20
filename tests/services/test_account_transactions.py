"""The account services check and change inside one repository transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.services.admin_accounts import AdminAccounts, LastAdministratorError
from otpbroker.services.api_users import ApiUsers

PASSWORD = "first-password-1"


class RecordingStore:
    """The real store, noting each call and whether a transaction was open around it."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store
        self._depth = 0
        self.calls: list[tuple[str, bool]] = []
        self.transactions = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._store.transaction():
            self.transactions += 1
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, self._depth > 0))
            return method(*args, **kwargs)

        return recorded

    def clear(self) -> None:
        self.calls.clear()
        self.transactions = 0


@pytest.fixture
def recording(tmp_path) -> Iterator[RecordingStore]:
    with ConfigStore(tmp_path / "data") as store:
        yield RecordingStore(store)


CHANGES: dict[str, Callable[[AdminAccounts, str], Any]] = {
    "add": lambda admins, _: admins.add({"username": "third"}, PASSWORD),
    "edit": lambda admins, spare: admins.edit(spare, {"email": "s@example.com"}, PASSWORD),
    "block": lambda admins, spare: admins.set_flag(spare, "block"),
    "delete": lambda admins, spare: admins.delete(spare),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_check_and_change_runs_in_one_transaction(recording, change):
    admins = AdminAccounts(recording, check_new_password)  # type: ignore[arg-type]
    admins.add({"username": "owner"}, PASSWORD)
    spare = admins.add({"username": "spare"}, PASSWORD)["id"]
    recording.clear()
    CHANGES[change](admins, spare)
    assert recording.transactions == 1
    assert recording.calls and all(held for _, held in recording.calls)


def test_the_first_administrator_is_added_in_one_transaction(recording):
    admins = AdminAccounts(recording, check_new_password)  # type: ignore[arg-type]
    admins.add_first({"username": "owner"}, PASSWORD)
    assert recording.transactions == 1
    assert recording.calls and all(held for _, held in recording.calls)


def test_api_users_change_in_transactions_too(recording):
    users = ApiUsers(recording, check_new_password)  # type: ignore[arg-type]
    alice = users.add({"username": "alice"}, PASSWORD)
    users.edit(alice["id"], {"phone": "0812345"})
    users.set_flag(alice["id"], "block")
    users.delete(alice["id"])
    assert recording.transactions == 4
    assert all(held for _, held in recording.calls)


@pytest.mark.parametrize(("fields", "word"), [({"active": False}, "deactivated"),
                                              ({"blocked": True}, "blocked")])  # fmt: skip
def test_an_edit_cannot_make_the_last_administrator_unusable(tmp_path, fields, word):
    with ConfigStore(tmp_path / "data") as store:
        admins = AdminAccounts(store, check_new_password)
        owner = admins.add({"username": "owner"}, PASSWORD)
        spare = admins.add({"username": "spare"}, PASSWORD)
        admins.set_flag(spare["id"], "block")
        before = store.list("admins")
        with pytest.raises(LastAdministratorError, match=f"cannot be {word} "):
            admins.edit(owner["id"], {"email": "o@example.com", **fields})
        assert store.list("admins") == before
        admins.edit(spare["id"], {"email": "s@example.com", **fields})  # not the last one
        admins.set_flag(spare["id"], "unblock")
        admins.set_flag(spare["id"], "activate")
        assert admins.edit(owner["id"], fields)["username"] == "owner"


def test_an_edit_of_other_fields_is_never_refused_by_the_rule(tmp_path):
    with ConfigStore(tmp_path / "data") as store:
        admins = AdminAccounts(store, check_new_password)
        owner = admins.add({"username": "owner"}, PASSWORD)
        store.update("admins", owner["id"], {"blocked": True})  # e.g. a file edited by hand
        assert admins.edit(owner["id"], {"email": "o@example.com"})["email"] == "o@example.com"
