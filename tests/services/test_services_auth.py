"""ApiAuthenticator: slow hash once per credential, cache emptied when API users change."""

from __future__ import annotations

import threading

from otpbroker.domain.password_hash import hash_password
from otpbroker.services.auth import ApiAuthenticator

HASH = hash_password("right-password")


class Settings:
    def __init__(self, ttl: int = 300) -> None:
        self.ttl = ttl

    def get(self, key: str) -> object:
        assert key == "api.auth_cache_seconds"
        return self.ttl


class Users:
    def __init__(self) -> None:
        self.record = {"username": "app", "password_hash": HASH, "active": True, "blocked": False}
        self.version = 1
        self.lookups = 0
        self.lock = threading.Lock()

    def lookup(self, username: str) -> dict | None:
        with self.lock:
            self.lookups += 1
        return dict(self.record) if username == "app" else None


def test_concurrent_logins_with_the_same_credentials_verify_once():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(), lambda: users.version)
    results: list[bool] = []
    barrier = threading.Barrier(12)

    def login() -> None:
        barrier.wait()
        results.append(auth.authenticate("app", "right-password"))

    threads = [threading.Thread(target=login) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 12
    assert users.lookups == 1


def test_cache_survives_other_changes_and_is_emptied_when_users_change():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(), lambda: users.version)
    assert auth.authenticate("app", "right-password")
    assert auth.authenticate("app", "right-password")
    assert users.lookups == 1
    users.record["blocked"] = True
    users.version = 2
    assert not auth.authenticate("app", "right-password")
    users.record["blocked"] = False
    users.version = 3
    assert auth.authenticate("app", "right-password")


def test_wrong_unknown_empty_and_inactive_are_refused_and_never_cached():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(), lambda: users.version)
    assert not auth.authenticate("app", "wrong")
    assert not auth.authenticate("nobody", "right-password")
    assert not auth.authenticate("app", "")
    assert not auth.authenticate("", "right-password")
    users.record["active"] = False
    assert not auth.authenticate("app", "right-password")
    before = users.lookups
    assert not auth.authenticate("app", "wrong")
    assert users.lookups == before + 1


def test_cache_off_verifies_every_time():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(ttl=0), lambda: users.version)
    for _ in range(3):
        assert auth.authenticate("app", "right-password")
    assert users.lookups == 3


def test_concurrent_logins_with_the_cache_off_all_succeed_on_one_verification():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(ttl=0), lambda: users.version)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def login() -> None:
        barrier.wait()
        results.append(auth.authenticate("app", "right-password"))

    threads = [threading.Thread(target=login) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 8


def test_starting_costs_no_slow_hash_and_an_unknown_user_costs_one(scrypt_calls):
    """Nothing slow at start (boot time); an unknown user name costs what a known one does."""
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(ttl=0), lambda: users.version)
    assert scrypt_calls == []
    assert not auth.authenticate("nobody", "right-password")
    assert scrypt_calls == [2**14]
    assert not auth.authenticate("app", "wrong-password")
    assert scrypt_calls == [2**14, 2**14]


def test_verifications_count_every_slow_hash_and_no_cache_hit():
    users = Users()
    auth = ApiAuthenticator(users.lookup, Settings(), lambda: users.version)
    assert auth.verifications == 0
    for _ in range(3):
        assert auth.authenticate("app", "right-password")
    assert auth.verifications == 1  # then cached
    assert not auth.authenticate("app", "wrong-password")
    assert not auth.authenticate("nobody", "right-password")
    assert not auth.authenticate("", "")  # refused before any hash
    assert auth.verifications == 3
    off = ApiAuthenticator(users.lookup, Settings(ttl=0), lambda: users.version)
    for _ in range(3):
        assert off.authenticate("app", "right-password")
    assert off.verifications == 3
