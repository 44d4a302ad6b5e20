"""First run with the setup code, login, lock-out, sessions, CSRF, headers, administrators."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


def test_new_device_shows_only_the_setup_page(harness):
    client = AdminClient(harness.base)
    for path in ("/", "/admins", "/login"):
        status, _, headers = client.get(path)
        assert status == 303 and headers["Location"].endswith("/setup"), path
    status, text, _ = client.get("/setup")
    assert status == 200 and "setup code" in text.lower()


def test_setup_needs_the_device_setup_code(harness):
    client = AdminClient(harness.base)
    client.get("/setup")
    status, text, _ = client.post("/setup", {"setup_code": "AAAA-BBBB-CCCC-DDDD", "username": "x",
                                             "password": "password-123", "password2": "password-123"})  # fmt: skip
    assert status == 400 and "wrong setup code" in text
    assert harness.broker.store.list("admins") == []
    lowered = harness.code.lower().replace("-", " ")
    status, _, _ = client.post("/setup", {"setup_code": lowered, "username": "owner",
                                          "password": "password-123", "password2": "password-123"})  # fmt: skip
    assert status == 303
    [record] = harness.broker.store.list("admins")
    assert record["username"] == "owner" and record["password_hash"].startswith("scrypt$")
    assert AdminClient(harness.base).get("/setup")[2]["Location"].endswith("/login")


def test_setup_validates_next_to_the_fields(harness):
    client = AdminClient(harness.base)
    client.get("/setup")
    status, text, _ = client.post("/setup", {"setup_code": harness.code, "username": "bad name!",
                                             "password": "short", "password2": "other"})  # fmt: skip
    assert status == 400 and "the two passwords differ" in text
    status, text, _ = client.post("/setup", {"setup_code": harness.code, "username": "bad name!",
                                             "password": "long-enough-1", "password2": "long-enough-1"})  # fmt: skip
    assert status == 400 and 'id="e-username"' in text
    assert harness.broker.store.list("admins") == []


def test_login_logout_and_lock_out(admin, harness):
    client = AdminClient(harness.base)
    assert client.login("owner", "owner-password-1") == 303
    assert client.get("/admins")[0] == 200
    client.post("/logout")
    assert client.get("/admins")[0] == 303
    attacker = AdminClient(harness.base)
    statuses = [attacker.login("owner", f"wrong-{i}") for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert attacker.login("owner", "owner-password-1") == 429  # locked even with the right one


def test_unknown_user_name_costs_the_slow_hash_a_known_one_does(admin, harness, scrypt_calls):
    """No user-name probing by timing: a wrong name runs scrypt once, like a wrong password."""
    client = AdminClient(harness.base)
    assert client.login("nobody-here", "some-password-1") == 401
    assert scrypt_calls == [2**14]
    assert client.login("owner", "some-password-1") == 401
    assert scrypt_calls == [2**14, 2**14]


def test_session_cookie_is_random_httponly_samesite(harness):
    client = AdminClient(harness.base)
    client.get("/setup")
    _, _, headers = client.post("/setup", {"setup_code": harness.code, "username": "owner",
                                           "password": "password-123", "password2": "password-123"})  # fmt: skip
    cookie = next(
        v for k, v in headers.items() if k.lower() == "set-cookie" and "otpb_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie.replace("strict", "Strict")
    token = re.search(r"otpb_session=([^;]+)", cookie).group(1)
    assert len(token) >= 40


def test_post_without_csrf_token_is_refused(admin):
    status, _, _ = admin.post(
        "/admins", {"username": "second", "password": "password-123"}, csrf=False
    )
    assert status == 403
    status, _, _ = admin.post(
        "/admins", {"username": "second", "password": "password-123", "csrf": "forged"}
    )
    assert status == 403


def test_security_headers_on_pages(admin):
    _, text, headers = admin.get("/admins")
    csp = headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert "<script>" not in text and "onclick" not in text and "style=" not in text


def test_administrators_crud_and_last_admin_protection(admin, harness):
    store = harness.broker.store
    [owner] = store.list("admins")
    admin.get("/admins")
    status, text, _ = admin.post(f"/admins/{owner['id']}/delete")
    assert status == 303
    assert "last active administrator" in admin.get("/admins")[1]
    for action in ("deactivate", "block"):
        admin.post(f"/admins/{owner['id']}/{action}")
        assert store.get_record("admins", owner["id"])["active"] is True
        assert store.get_record("admins", owner["id"])["blocked"] is False
    status, text, _ = admin.post("/admins", {"username": "second", "password": "password-456",
                                             "password2": "password-4567"})  # fmt: skip
    assert status == 400 and "the two passwords differ" in text
    assert admin.post("/admins", {"username": "second", "password": "password-456",
                                  "password2": "password-456",
                                  "email": "second@example.com"})[0] == 303  # fmt: skip
    second = next(a for a in store.list("admins") if a["username"] == "second")
    other = AdminClient(harness.base)
    assert other.login("second", "password-456") == 303
    admin.get("/admins")
    assert admin.post(f"/admins/{second['id']}/block")[0] == 303
    assert other.get("/admins")[0] == 303  # logged out at once
    admin.post(f"/admins/{second['id']}/unblock")
    admin.post(
        f"/admins/{second['id']}", {"username": "second", "email": "x@example.com", "password": ""}
    )
    assert store.get_record("admins", second["id"])["email"] == "x@example.com"
    assert store.check_password("admins", second["id"], "password-456")  # blank keeps it
    status, text, _ = admin.post(
        "/admins", {"username": "second", "password": "password-789", "password2": "password-789"}
    )
    assert status == 400 and 'id="e-username"' in text
    assert admin.post(f"/admins/{second['id']}/delete")[0] == 303
    assert [a["username"] for a in store.list("admins")] == ["owner"]
    _, text, _ = admin.get("/admins")
    assert "scrypt$" not in text


def test_forgotten_password_by_sms(admin, harness):
    store = harness.broker.store
    [owner] = store.list("admins")
    store.update("admins", owner["id"], {"phone": "08126666666"})
    client = AdminClient(harness.base)
    client.get("/forgot")
    status, _, _ = client.post("/forgot", {"login": "owner", "via": "sms"})
    assert status == 303
    [delivery] = harness.sims[0].wait_for_deliveries(1)
    password = re.search(r"password is (\S+)$", delivery.text).group(1)
    assert client.login("owner", password) == 303
