"""The account rules through the admin pages (the same rules the CLI test drives)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.domain.password_hash import verify_password


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


def error_at(page: str, name: str) -> str:
    """The error shown inside the field block of input ``name`` ("" when none)."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            found = re.search(r'<small class="error"[^>]*>(.*?)</small>', block, re.S)
            return html.unescape(found.group(1)) if found else ""
    raise AssertionError(f"no field {name}")


def config_bytes(harness) -> bytes:
    return (harness.data_dir / "config.json").read_bytes()


@pytest.mark.parametrize(("action", "word"), [("delete", "deleted"), ("deactivate", "deactivated"),
                                              ("block", "blocked")])  # fmt: skip
def test_the_last_administrator_is_refused_with_a_precise_message(admin, harness, action, word):
    store = harness.broker.store
    [owner] = store.list("admins")
    admin.get("/admins")
    status, _, headers = admin.post(f"/admins/{owner['id']}/{action}")
    assert status == 303 and headers["Location"].endswith("/admins")
    page = html.unescape(admin.get("/admins")[1])
    assert (
        f"Refused: 'owner' is the last active administrator and cannot be {word} (an active, "
        "unblocked administrator must remain; add or unblock another one first)."
    ) in page
    assert store.list("admins") == [owner]
    assert admin.get("/admins")[0] == 200  # still logged in


def test_an_administrator_with_a_bad_password_is_not_added(admin, harness):
    store = harness.broker.store
    admin.get("/admins")
    for password, message in (("short", "must be at least 8 characters long"),
                              ("", "must be at least 8 characters long")):  # fmt: skip
        status, page, _ = admin.post("/admins", {"username": "second", "password": password,
                                                 "password2": password})  # fmt: skip
        assert status == 400 and error_at(page, "password") == message
        assert [a["username"] for a in store.list("admins")] == ["owner"]


def test_a_duplicate_administrator_name_is_refused(admin, harness):
    store = harness.broker.store
    admin.get("/admins")
    status, page, _ = admin.post("/admins", {"username": "OWNER", "password": "password-456",
                                             "password2": "password-456"})  # fmt: skip
    assert status == 400
    assert "an administrator named 'owner' already exists" in error_at(page, "username")
    assert len(store.list("admins")) == 1


def test_a_new_administrator_password_is_stored_only_as_a_salted_hash(admin, harness):
    store = harness.broker.store
    admin.get("/admins")
    assert admin.post("/admins", {"username": "second", "password": "password-456",
                                  "password2": "password-456"})[0] == 303  # fmt: skip
    second = store.find("admins", username="second")[0]
    admin.get(f"/admins/{second['id']}/edit")
    status, _, _ = admin.post(f"/admins/{second['id']}", {"username": "second",
                              "password": "changed-password-7", "password2": "changed-password-7"})  # fmt: skip
    assert status == 303
    encoded = store.get_record("admins", second["id"])["password_hash"]
    assert encoded.startswith("scrypt$") and verify_password("changed-password-7", encoded)
    assert b"changed-password-7" not in config_bytes(harness)
    assert encoded not in admin.get("/admins")[1]
    assert AdminClient(harness.base).login("second", "password-456") == 401
    assert AdminClient(harness.base).login("second", "changed-password-7") == 303


def test_api_users_refuse_bad_passwords_and_duplicates(admin, harness):
    store = harness.broker.store
    admin.get("/api-users")
    status, page, _ = admin.post("/api-users", {"username": "shop", "password": "short",
                                                "password2": "short"})  # fmt: skip
    assert status == 400 and error_at(page, "password") == "must be at least 8 characters long"
    assert store.list("api_users") == []
    assert admin.post("/api-users", {"username": "shop", "password": "shop-password-1",
                                     "password2": "shop-password-1"})[0] == 303  # fmt: skip
    [shop] = store.list("api_users")
    assert verify_password("shop-password-1", shop["password_hash"])
    assert b"shop-password-1" not in config_bytes(harness)
    status, page, _ = admin.post("/api-users", {"username": "Shop", "password": "shop-password-2",
                                                "password2": "shop-password-2"})  # fmt: skip
    assert status == 400
    assert "an API user named 'shop' already exists" in error_at(page, "username")
    assert len(store.list("api_users")) == 1
