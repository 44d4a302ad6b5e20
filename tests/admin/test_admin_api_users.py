"""API users and the blocking list through the admin pages, checked against the real REST API."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

BLOCK = {"command": "block-msisdn", "data": {"msisdn": "08126666666"}}
SHOP = ("shop", "shop-password-1")


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


def rows(page: str) -> list[tuple[str, str, str]]:
    """(number, blocked by, since) of each row of the blocking list."""
    return re.findall(
        r'<td class="msisdn">([^<]*)</td><td data-label="Blocked by">([^<]*)</td>'
        r'<td data-label="Since">([^<]*)</td>',
        page,
    )


def user(harness, username: str) -> dict:
    [record] = harness.broker.store.find("api_users", username=username)
    return record


def add_shop(admin) -> None:
    admin.get("/api-users")
    status, text, headers = admin.post("/api-users", {
        "username": SHOP[0], "password": SHOP[1], "password2": SHOP[1],
        "phone": "+628111222333", "email": "ops@shop.example"})  # fmt: skip
    assert status == 303 and headers["Location"] == "/api-users", text[:2000]


def api_block(harness, auth=SHOP) -> tuple[int, dict]:
    status, body, _ = harness.request("/api/block", BLOCK, auth=auth)
    return status, body


def test_anonymous_visitors_are_sent_to_login_and_cannot_post(admin, harness):
    harness.add_user()
    entry = harness.broker.store.add("blocklist", {"msisdn": "0812345678"})
    uid = user(harness, "app")["id"]
    anonymous = AdminClient(harness.base)
    for path in ("/api-users", f"/api-users/{uid}/edit", "/blocklist", "/blocklist?q=62"):
        status, _, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login"), path
    posts = {
        "/api-users": {"username": "evil", "password": "password-1", "password2": "password-1"},
        f"/api-users/{uid}": {"username": "evil"},
        f"/api-users/{uid}/block": {},
        f"/api-users/{uid}/delete": {},
        "/blocklist": {"msisdn": "08120000000"},
        f"/blocklist/{entry['id']}/unblock": {},
        f"/blocklist/{entry['id']}/delete": {},
    }
    for path, data in posts.items():
        assert anonymous.post(path, data)[0] in (401, 403), path
    assert [u["username"] for u in harness.broker.store.list("api_users")] == ["app"]
    assert user(harness, "app")["blocked"] is False
    assert [e["msisdn"] for e in harness.broker.store.list("blocklist")] == ["62812345678"]


def test_posts_without_the_csrf_token_are_refused(admin, harness):
    harness.add_user()
    entry = harness.broker.store.add("blocklist", {"msisdn": "0812345678"})
    uid = user(harness, "app")["id"]
    admin.get("/api-users")
    for path in ("/api-users", f"/api-users/{uid}", f"/api-users/{uid}/block",
                 f"/api-users/{uid}/delete", "/blocklist", f"/blocklist/{entry['id']}/unblock"):  # fmt: skip
        data = {"username": "x", "password": "password-1", "password2": "password-1",
                "msisdn": "08120000000"}  # fmt: skip
        assert admin.post(path, data, csrf=False)[0] == 403, path
        assert admin.post(path, {**data, "csrf": "forged"})[0] == 403, path
    assert [u["username"] for u in harness.broker.store.list("api_users")] == ["app"]
    assert user(harness, "app")["blocked"] is False
    assert len(harness.broker.store.list("blocklist")) == 1


def test_api_user_lifecycle_through_the_pages(admin, harness):
    _, page, _ = admin.get("/api-users")
    assert "No API user yet" in page
    assert api_block(harness)[0] == 401
    add_shop(admin)
    record = user(harness, "shop")
    assert record["active"] is True and record["blocked"] is False
    assert record["password_hash"].startswith("scrypt$")
    status, body = api_block(harness)
    assert status == 200 and (body["command"], body["response_code"]) == ("block-msisdn", "0000")

    _, page, _ = admin.get("/api-users")
    assert "API user shop added." in page and "ops@shop.example" in page
    assert "+628111222333" in page and ">active<" in page
    uid = record["id"]

    for action, expected in (("block", 401), ("unblock", 200), ("deactivate", 401),
                             ("activate", 200)):  # fmt: skip
        admin.get("/api-users")
        status, _, headers = admin.post(f"/api-users/{uid}/{action}")
        assert status == 303 and headers["Location"] == "/api-users"
        assert api_block(harness)[0] == expected, action
        if action == "block":
            _, page, _ = admin.get("/api-users")
            assert (
                "API user shop blocked." in page
                and '<span class="badge bad">blocked</span>' in page
            )
            assert f"/api-users/{uid}/unblock" in page

    # edit: a blank password keeps the current one
    status, page, _ = admin.get(f"/api-users/{uid}/edit")
    assert status == 200 and "Edit shop" in page and "leave blank to keep" in page
    assert re.search(r'name="password" type="password" value=""', page)
    status, _, _ = admin.post(f"/api-users/{uid}", {"username": "shop", "phone": "",
                              "email": "it@shop.example", "password": "", "password2": ""})  # fmt: skip
    assert status == 303
    assert user(harness, "shop")["email"] == "it@shop.example"
    assert api_block(harness)[0] == 200

    # edit with a new password (twice): the old one stops working at once
    admin.get(f"/api-users/{uid}/edit")
    status, _, _ = admin.post(f"/api-users/{uid}", {"username": "shop", "email": "it@shop.example",
                              "password": "new-password-2", "password2": "new-password-2"})  # fmt: skip
    assert status == 303
    assert api_block(harness)[0] == 401
    assert api_block(harness, ("shop", "new-password-2"))[0] == 200

    admin.get("/api-users")
    status, _, _ = admin.post(f"/api-users/{uid}/delete")
    assert status == 303 and harness.broker.store.list("api_users") == []
    assert "API user shop deleted." in admin.get("/api-users")[1]
    assert api_block(harness, ("shop", "new-password-2"))[0] == 401


def test_the_password_hash_never_appears_in_a_page(admin, harness):
    add_shop(admin)
    record = user(harness, "shop")
    encoded = record["password_hash"]
    pages = [admin.get(path)[1] for path in ("/api-users", f"/api-users/{record['id']}/edit")]
    admin.get("/api-users")
    pages.append(
        admin.post("/api-users", {"username": "shop", "password": "x", "password2": "x"})[1]
    )
    for page in pages:
        assert encoded not in page and "scrypt" not in page and "password_hash" not in page
        assert SHOP[1] not in page
        assert re.search(r'name="password" type="password" value=""', page)


def test_adding_an_api_user_checks_the_password_and_the_fields(admin, harness):
    store = harness.broker.store
    admin.get("/api-users")
    cases = [
        ({"username": "a", "password": "", "password2": ""},
         "password", "is required for a new API user"),
        ({"username": "a", "password": "password-1", "password2": "password-2"},
         "password2", "the two passwords differ"),
        ({"username": "a", "password": "short", "password2": "short"},
         "password", "must be at least 8 characters long"),
        ({"username": "bad name!", "password": "password-1", "password2": "password-1"},
         "username", "value must be 1-64 of A-Z a-z 0-9 . _ @ -, got 'bad name!'"),
        ({"username": "a", "email": "nope", "password": "password-1", "password2": "password-1"},
         "email", "value must be empty or an e-mail address, got 'nope'"),
    ]  # fmt: skip
    for data, field, message in cases:
        status, page, _ = admin.post("/api-users", data)
        assert status == 400, data
        assert error_at(page, field) == message, (data, error_at(page, field))
        assert store.list("api_users") == []
    add_shop(admin)
    status, page, _ = admin.post("/api-users", {"username": "SHOP", "password": "password-1",
                                                "password2": "password-1"})  # fmt: skip
    assert status == 400 and "is already used by record" in error_at(page, "username")
    assert len(store.list("api_users")) == 1


def test_editing_is_all_or_nothing(admin, harness):
    add_shop(admin)
    uid = user(harness, "shop")["id"]
    admin.get(f"/api-users/{uid}/edit")
    status, page, _ = admin.post(f"/api-users/{uid}", {"username": "shop", "email": "x@shop.example",
                                 "password": "short", "password2": "short"})  # fmt: skip
    assert status == 400 and error_at(page, "password") == "must be at least 8 characters long"
    assert user(harness, "shop")["email"] == "ops@shop.example"
    status, page, _ = admin.post(f"/api-users/{uid}", {"username": "shop", "email": "x@shop.example",
                                 "password": "password-9", "password2": "password-8"})  # fmt: skip
    assert status == 400 and error_at(page, "password2") == "the two passwords differ"
    assert user(harness, "shop")["email"] == "ops@shop.example"
    assert api_block(harness)[0] == 200
    assert admin.get("/api-users/nope/edit")[0] == 404
    assert admin.post("/api-users/nope/block")[0] == 404


# -- the blocking list ---------------------------------------------------------------------


def test_blocking_a_number_from_the_admin(admin, harness):
    harness.add_user()
    store = harness.broker.store
    admin.get("/blocklist")
    status, _, headers = admin.post("/blocklist", {"msisdn": "0812-6666 666"})
    assert status == 303 and headers["Location"] == "/blocklist"
    [entry] = store.list("blocklist")
    assert entry["msisdn"] == "628126666666" and entry["source"] == "admin"
    _, page, _ = admin.get("/blocklist")
    assert "628126666666 blocked" in page and '<td class="msisdn">628126666666</td>' in page
    assert "0812-6666" not in page and "1 blocked number." in page
    [(number, source, since)] = rows(page)
    assert (number, source) == ("628126666666", "admin")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", since)

    status, body = harness.send_sms("08126666666", "OTP 1234")[:2]
    assert status == 403 and body["response_code"] == "1201"

    for query in ("66666", "0812666", "+62 812", "628126666666"):
        _, page, _ = admin.get(f"/blocklist?q={query.replace('+', '%2B').replace(' ', '+')}")
        assert '<td class="msisdn">628126666666</td>' in page, query
        assert "1 of 1 blocked numbers match" in page
    _, page, _ = admin.get("/blocklist?q=999")
    assert "628126666666</td>" not in page and "0 of 1 blocked numbers match" in page
    assert "type digits to search" in admin.get("/blocklist?q=abc")[1]

    status, page, _ = admin.post("/blocklist", {"msisdn": "+62 812 6666 666"})
    assert status == 400 and error_at(page, "msisdn") == "628126666666 is already blocked"

    admin.get("/blocklist?q=6666")
    status, _, headers = admin.post(f"/blocklist/{entry['id']}/unblock", {"q": "6666", "page": "1"})
    assert status == 303 and headers["Location"] == "/blocklist?q=6666"
    assert store.list("blocklist") == []
    assert "628126666666 unblocked." in admin.get("/blocklist")[1]
    status, body = harness.send_sms("08126666666", "OTP 1234")[:2]
    assert status == 200 and body["response_code"] == "0000"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0812abc", "phone number contains letters ('abc'); only digits, spaces, '-', '.', '(', ')' "
                    "and a leading '+' are allowed"),
        ("0812", "phone number is too short: 5 digits, at least 6 required"),
        ("", "phone number is empty"),
        ("62+812345678", "phone number has a '+' that is not at the start"),
    ],
)  # fmt: skip
def test_an_invalid_number_is_refused_with_a_precise_message(admin, harness, typed, message):
    admin.get("/blocklist")
    status, page, _ = admin.post("/blocklist", {"msisdn": typed})
    assert status == 400
    assert error_at(page, "msisdn") == message
    assert re.search(rf'name="msisdn" type="tel" value="{re.escape(html.escape(typed))}"', page)
    assert harness.broker.store.list("blocklist") == []


def test_blocks_from_the_api_show_their_source_and_delete_also_unblocks(admin, harness):
    harness.add_user()
    status, _, _ = harness.request("/api/block", BLOCK)
    assert status == 200
    _, page, _ = admin.get("/blocklist")
    assert [row[:2] for row in rows(page)] == [("628126666666", "REST API")]
    [entry] = harness.broker.store.list("blocklist")
    assert admin.post(f"/blocklist/{entry['id']}/delete")[0] == 303
    assert harness.broker.store.list("blocklist") == []
    status, _, _ = admin.post(f"/blocklist/{entry['id']}/unblock")
    assert status == 303 and "no longer blocked" in admin.get("/blocklist")[1]


def test_the_list_is_paginated_newest_first(admin, harness, monkeypatch):
    from otpbroker.web.admin.pages import blocklist

    monkeypatch.setattr(blocklist, "PAGE_SIZE", 2)
    for n in range(5):
        harness.broker.store.add("blocklist", {"msisdn": f"0812000000{n}", "source": "mqtt"})
    _, page, _ = admin.get("/blocklist")
    assert re.findall(r'<td class="msisdn">(\d+)</td>', page) == ["628120000004", "628120000003"]
    assert (
        "Page 1 of 3" in page and 'href="/blocklist?page=2"' in page and rows(page)[0][1] == "MQTT"
    )
    _, page, _ = admin.get("/blocklist?page=3")
    assert re.findall(r'<td class="msisdn">(\d+)</td>', page) == ["628120000000"]
    assert 'href="/blocklist?page=2" rel="prev"' in page
    _, page, _ = admin.get("/blocklist?q=0812000000&page=2")
    assert 'href="/blocklist?q=0812000000&amp;page=3"' in page
    assert "5 of 5 blocked numbers match" in page
    assert admin.get("/blocklist?page=99")[0] == 200
