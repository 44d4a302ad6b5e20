"""The account services (administrators, API users) over the real configuration store."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from otpbroker.config import ConfigError, ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.domain.password_hash import verify_password
from otpbroker.services.account_book import AccountNotFoundError, DuplicateAccountError
from otpbroker.services.admin_accounts import (
    AdminAccounts,
    AlreadySetUpError,
    LastAdministratorError,
)
from otpbroker.services.api_users import ApiUsers
from otpbroker.services.password_reset import PasswordReset
from otpbroker.services.replies import Code

PASSWORD = "first-password-1"
OTHER = "second-password-2"


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def admins(store) -> AdminAccounts:
    return AdminAccounts(store, check_new_password)


@pytest.fixture
def users(store) -> ApiUsers:
    return ApiUsers(store, check_new_password)


@pytest.fixture(params=["admins", "api_users"])
def book(request, admins, users):
    """Either account service: the rules they share hold for both."""
    return admins if request.param == "admins" else users


def test_add_keeps_only_a_salted_hash_and_lists_no_hash(book, store, tmp_path):
    first = book.add({"username": "alice", "email": "a@example.com"}, PASSWORD)
    second = book.add({"username": "bob"}, PASSWORD)
    assert "password_hash" not in first and first["password_set"] is True
    assert first["active"] is True and first["blocked"] is False
    hashes = [r["password_hash"] for r in store.list(book.collection)]
    assert all(h.startswith("scrypt$") and verify_password(PASSWORD, h) for h in hashes)
    assert hashes[0] != hashes[1]  # the same password, another salt
    listed = book.list()
    assert [a["username"] for a in listed] == ["alice", "bob"]
    assert all("password_hash" not in a and a["password_set"] for a in listed)
    assert all("password_hash" not in book.get(a["id"]) for a in listed)
    assert PASSWORD.encode() not in (tmp_path / "data" / "config.json").read_bytes()
    assert second["id"] == book.require("BOB")["id"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "password: must be at least 8 characters long"),
        ("", "password: must be at least 8 characters long"),
        ("tab\tinside-it", "password: must not contain control or line-break characters"),
    ],
)
def test_a_bad_password_leaves_no_record(book, store, password, message):
    with pytest.raises(ConfigError) as refused:
        book.add({"username": "carol"}, password)
    assert str(refused.value) == message
    assert store.list(book.collection) == []


def test_an_account_whose_password_cannot_be_stored_is_removed_again(book, store, monkeypatch):
    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "set_password", broken)
    with pytest.raises(OSError, match="disk full"):
        book.add({"username": "carol"}, PASSWORD)
    assert store.list(book.collection) == []


def test_a_duplicate_user_name_is_refused_whatever_its_case(book, store):
    first = book.add({"username": "alice"}, PASSWORD)
    with pytest.raises(DuplicateAccountError) as refused:
        book.add({"username": "ALICE"}, OTHER)
    assert refused.value.key == "username"
    assert f"an {book.noun} named 'alice' already exists" in str(refused.value)
    assert f"is already used by record '{first['id']}'" in str(refused.value)
    other = book.add({"username": "bob"}, PASSWORD)
    with pytest.raises(DuplicateAccountError):
        book.edit(other["id"], {"username": "Alice"})
    assert [a["username"] for a in book.list()] == ["alice", "bob"]


def test_set_password_and_edit_are_all_or_nothing(book, store):
    account = book.add({"username": "alice", "email": "a@example.com"}, PASSWORD)
    with pytest.raises(ConfigError, match="at least 8"):
        book.edit(account["id"], {"username": "alice", "email": "b@example.com"}, "short")
    assert book.get(account["id"])["email"] == "a@example.com"
    assert book.check_password(account["id"], PASSWORD)
    book.edit(account["id"], {"username": "alice", "email": "b@example.com"}, "")  # keeps it
    assert book.check_password(account["id"], PASSWORD)
    book.set_password(account["id"], OTHER)
    stored = store.get_record(book.collection, account["id"])["password_hash"]
    assert verify_password(OTHER, stored) and not verify_password(PASSWORD, stored)
    with pytest.raises(AccountNotFoundError):
        book.set_password("nope", OTHER)
    with pytest.raises(AccountNotFoundError, match=f"no {book.noun} named 'ghost'"):
        book.require("ghost")


def test_flags_and_delete(book, store):
    keep = book.add({"username": "keeper"}, PASSWORD)
    account = book.add({"username": "alice"}, PASSWORD)
    assert book.set_flag(account["id"], "block")["blocked"] is True
    assert book.set_flag(account["id"], "unblock")["blocked"] is False
    assert book.set_flag(account["id"], "deactivate")["active"] is False
    assert book.set_flag(account["id"], "activate")["active"] is True
    assert book.delete(account["id"])["username"] == "alice"
    assert [a["id"] for a in book.list()] == [keep["id"]]
    with pytest.raises(AccountNotFoundError):
        book.delete(account["id"])


# -- the last administrator ------------------------------------------------------------------


@pytest.mark.parametrize(("action", "word"), [("delete", "deleted"), ("deactivate", "deactivated"),
                                              ("block", "blocked")])  # fmt: skip
def test_the_last_usable_administrator_is_never_removed(admins, store, action, word):
    owner = admins.add({"username": "owner"}, PASSWORD)
    spare = admins.add({"username": "spare"}, PASSWORD)
    admins.set_flag(spare["id"], "block")  # a blocked one does not count
    before = store.list("admins")
    with pytest.raises(LastAdministratorError) as refused:
        admins.delete(owner["id"]) if action == "delete" else admins.set_flag(owner["id"], action)
    assert str(refused.value) == (
        f"'owner' is the last active administrator and cannot be {word} (an active, "
        "unblocked administrator must remain; add or unblock another one first)"
    )
    assert store.list("admins") == before
    admins.set_flag(spare["id"], "unblock")
    admins.delete(owner["id"]) if action == "delete" else admins.set_flag(owner["id"], action)


def test_two_concurrent_removals_of_the_last_two_administrators_one_succeeds(store):
    """Each thread removes one of the two usable administrators; the lock lets one win."""

    class SlowStore:  # widens the window between the check and the change
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def list(self, name: str) -> list[dict[str, Any]]:
            found = store.list(name)
            time.sleep(0.05)
            return found

    admins = AdminAccounts(SlowStore(), check_new_password)  # type: ignore[arg-type]
    ids = [admins.add({"username": name}, PASSWORD)["id"] for name in ("first", "second")]
    start, outcomes = threading.Barrier(2), []

    def remove(admin_id: str, action: str) -> None:
        start.wait()
        try:
            admins.delete(admin_id) if action == "delete" else admins.set_flag(admin_id, action)
            outcomes.append("done")
        except LastAdministratorError:
            outcomes.append("refused")

    threads = [threading.Thread(target=remove, args=(ids[0], "delete")),
               threading.Thread(target=remove, args=(ids[1], "block"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["done", "refused"]
    usable = [a for a in store.list("admins") if a["active"] and not a["blocked"]]
    assert len(usable) == 1


# -- first run, login and password reset -----------------------------------------------------


def test_the_first_administrator_is_added_once(admins, store):
    assert not admins.exist()
    admins.add_first({"username": "owner"}, PASSWORD)
    with pytest.raises(AlreadySetUpError):
        admins.add_first({"username": "intruder"}, PASSWORD)
    assert [a["username"] for a in store.list("admins")] == ["owner"]


def test_log_in_checks_the_password_and_the_state(admins, scrypt_calls):
    owner = admins.add({"username": "owner"}, PASSWORD)
    assert admins.log_in("OWNER ", PASSWORD)["id"] == owner["id"]
    assert "password_hash" not in admins.log_in("owner", PASSWORD)
    assert admins.log_in("owner", OTHER) is None
    scrypt_calls.clear()
    assert admins.log_in("nobody", PASSWORD) is None
    assert len(scrypt_calls) == 1  # an unknown name costs one slow hash, like a known one
    admins.add({"username": "spare"}, PASSWORD)
    admins.set_flag(owner["id"], "block")
    assert admins.log_in("owner", PASSWORD) is None


def test_password_reset_finds_active_administrators_by_name_or_mail(admins, store):
    owner = admins.add({"username": "owner", "email": "Owner@Example.com"}, PASSWORD)
    assert admins.find_for_reset("owner@example.com")["id"] == owner["id"]
    assert "password_hash" not in admins.find_for_reset("OWNER")
    admins.add({"username": "spare"}, PASSWORD)
    admins.set_flag(owner["id"], "deactivate")
    assert admins.find_for_reset("owner") is None


def test_password_reset_uses_the_service_to_store_the_new_password(admins, store):
    owner = admins.add({"username": "owner", "email": "owner@example.com"}, PASSWORD)

    class Mailer:
        body = ""

        def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Any:
            self.body = body
            return SimpleNamespace(code=Code.OK)

    mailer = Mailer()
    reset = PasswordReset(admins, sms=None, mailer=lambda: mailer)  # type: ignore[arg-type]
    assert reset.reset("owner", via="mail").sent_via == "mail"
    new = mailer.body.rsplit(" ", 1)[-1]
    assert admins.check_password(owner["id"], new)
    assert not admins.check_password(owner["id"], PASSWORD)


# -- API users for the REST API's authenticator ----------------------------------------------


def test_api_users_version_and_exact_lookup(users, store):
    empty = users.version()
    alice = users.add({"username": "alice"}, PASSWORD)
    added = users.version()
    assert added != empty
    store.set("sms.max_attempts", 2)
    assert users.version() == added  # other settings do not change it
    users.set_flag(alice["id"], "block")
    assert users.version() != added
    found = users.find_for_login("alice")
    assert found is not None and verify_password(PASSWORD, found["password_hash"])
    assert users.find_for_login("ALICE") is None  # the API compares names exactly
