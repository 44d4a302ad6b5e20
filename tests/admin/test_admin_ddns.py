"""DDNS admin page: accounts (secrets never shown), records, settings, "Update now"."""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "ddns"))
from broker_harness import BrokerHarness
from ddns_fakes import CloudflareFake, DynDns2Fake, WhatIsMyIpFake


@pytest.fixture
def ip_service():
    with WhatIsMyIpFake() as fake:
        yield fake


@pytest.fixture
def harness(tmp_path, ip_service):
    h = BrokerHarness(tmp_path / "data")
    h.broker.store.update_settings({"ddns.ip_services": [ip_service.url + "/ip"],
                                    "ddns.contact": "ops@example.com"})  # fmt: skip
    h.start()
    yield h
    h.stop()


@pytest.fixture
def cloudflare():
    with CloudflareFake(zones={"zb": "b.example.com", "ze": "example.com"}) as fake:
        yield fake


def add_account(admin, **fields) -> str:
    form = {"name": "cf", "provider": "cloudflare", "api_token": "cf-token-1", "active": "on",
            **fields}  # fmt: skip
    status, text, _ = admin.post("/ddns/accounts", form)
    assert status == 303, text[:2000]
    return admin.get("/ddns")[1]


def ids(harness, collection: str) -> dict[str, str]:
    return {r["name"]: r["id"] for r in harness.broker.store.list(collection)}


def test_page_lists_and_never_shows_secrets(harness, admin) -> None:
    status, text, _ = admin.get("/ddns")
    assert status == 200
    assert "No account yet" in text and "No record yet" in text
    page = add_account(admin, base_url="http://127.0.0.1:9/client/v4")
    assert "DDNS account cf added." in page
    assert "cf-token-1" not in page
    assert "(set)" in page
    account_id = ids(harness, "ddns_accounts")["cf"]
    edit = admin.get(f"/ddns/accounts/{account_id}/edit")[1]
    assert "cf-token-1" not in edit and "leave blank to keep it" in edit
    status, _, _ = admin.post(f"/ddns/accounts/{account_id}",
                              {"name": "cf", "provider": "cloudflare", "api_token": "",
                               "base_url": "", "active": "on"})  # fmt: skip
    assert status == 303
    assert harness.broker.store.get_record("ddns_accounts", account_id)["api_token"] == "cf-token-1"


def test_account_errors_are_shown_next_to_fields(harness, admin) -> None:
    admin.get("/ddns")
    status, text, _ = admin.post("/ddns/accounts", {"name": "n", "provider": "noip",
                                                    "username": "", "password": ""})  # fmt: skip
    assert status == 400
    assert 'id="e-username">required for this provider' in text
    status, text, _ = admin.post("/ddns/accounts", {"name": "n", "provider": "freedns",
                                                    "api_token": "t", "base_url": "ftp://x"})  # fmt: skip
    assert status == 400
    assert 'id="e-base_url">' in text and "http(s) URL" in html.unescape(text)
    assert not harness.broker.store.list("ddns_accounts")


def test_records_add_edit_proxy_activate_delete(harness, admin) -> None:
    add_account(admin)
    add_account(admin, name="noip", provider="noip", username="me", password="pw")
    accounts = ids(harness, "ddns_accounts")
    status, text, _ = admin.post("/ddns/records", {"name": "A.B.Example.com", "account":
                                 accounts["cf"], "ttl": "300", "active": "on"})  # fmt: skip
    assert status == 303, text[:2000]
    record_id = ids(harness, "ddns_records")["a.b.example.com"]
    store = harness.broker.store
    assert store.get_record("ddns_records", record_id)["ttl"] == 300
    status, text, _ = admin.post("/ddns/records", {"name": "x.example.com", "account":
                                 accounts["noip"], "proxied": "on", "ttl": "1"})  # fmt: skip
    assert status == 400 and "only Cloudflare records can be proxied" in text
    status, text, _ = admin.post("/ddns/records", {"name": "not a host", "account":
                                 accounts["cf"], "ttl": "1"})  # fmt: skip
    assert status == 400 and 'id="e-name">' in text
    status, text, _ = admin.post("/ddns/records", {"name": "y.example.com", "account":
                                 accounts["cf"], "ttl": "20"})  # fmt: skip
    assert status == 400 and "1 (automatic) or 30-86400" in text
    store.update("ddns_records", record_id, {"last_status": "fatal", "last_address": "1.2.3.4"})
    assert admin.post(f"/ddns/records/{record_id}/proxy")[0] == 303
    stored = store.get_record("ddns_records", record_id)
    assert stored["proxied"] is True and stored["last_address"] == "" and not stored["last_status"]
    page = admin.get("/ddns")[1]
    assert "DDNS record a.b.example.com proxied." in page and ">Unproxy</button>" in page
    assert admin.post(f"/ddns/records/{record_id}/deactivate")[0] == 303
    assert store.get_record("ddns_records", record_id)["active"] is False
    assert admin.post(f"/ddns/records/{record_id}", {"name": "a.b.example.com", "account":
                      accounts["cf"], "ttl": "600", "active": "on"})[0] == 303  # fmt: skip
    stored = store.get_record("ddns_records", record_id)
    assert (stored["ttl"], stored["proxied"], stored["active"]) == (600, False, True)
    admin.get("/ddns")
    status, _, _ = admin.post(f"/ddns/accounts/{accounts['cf']}/delete")
    assert "is used by a.b.example.com" in admin.get("/ddns")[1]
    assert admin.post(f"/ddns/records/{record_id}/delete")[0] == 303
    assert admin.post(f"/ddns/accounts/{accounts['cf']}/delete")[0] == 303
    assert set(ids(harness, "ddns_accounts")) == {"noip"}


def test_settings_form_saves_and_refuses_bad_values(harness, admin) -> None:
    admin.get("/ddns")
    form = {"ddns.enabled": "on", "ddns.interval_seconds": "600", "ddns.ip_source": "ppp0",
            "ddns.ip_services": "https://a.example.net/ip\nhttps://b.example.net",
            "ddns.contact": "me@example.com"}  # fmt: skip
    assert admin.post("/ddns/settings", form)[0] == 303
    settings = harness.broker.store.settings()
    assert settings["ddns.enabled"] is True and settings["ddns.ip_source"] == "ppp0"
    assert settings["ddns.ip_services"] == ["https://a.example.net/ip", "https://b.example.net"]
    status, text, _ = admin.post("/ddns/settings", {**form, "ddns.interval_seconds": "5"})
    assert status == 400 and 'id="e-ddns.interval_seconds">' in text
    assert harness.broker.store.get("ddns.interval_seconds") == 600


def test_update_now_updates_cloudflare_and_shows_the_answer(harness, admin, cloudflare) -> None:
    add_account(admin, base_url=cloudflare.base)
    account_id = ids(harness, "ddns_accounts")["cf"]
    admin.post("/ddns/records", {"name": "a.b.example.com", "account": account_id, "ttl": "1",
                                 "active": "on"})  # fmt: skip
    admin.get("/ddns")
    assert admin.post("/ddns/update-now")[0] == 303
    record_id = ids(harness, "ddns_records")["a.b.example.com"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if harness.broker.store.get_record("ddns_records", record_id)["last_status"]:
            break
        time.sleep(0.05)
    page = html.unescape(admin.get("/ddns")[1])
    assert "created A a.b.example.com -> 203.0.113.7 in b.example.com" in page
    assert "203.0.113.7" in page
    [created] = cloudflare.records.values()
    assert created["zone_id"] == "zb"
    assert cloudflare.requests[0].headers["user-agent"].endswith(" ops@example.com")


def test_fatal_answer_is_shown_and_an_account_fix_clears_it(harness, admin) -> None:
    with DynDns2Fake(users={"me": "pw"}, hosts={"home.example.com": "1.1.1.1"}) as noip:
        add_account(admin, name="noip", provider="noip", username="me", password="bad",
                    base_url=noip.url)  # fmt: skip
        account_id = ids(harness, "ddns_accounts")["noip"]
        admin.post("/ddns/records", {"name": "home.example.com", "account": account_id,
                                     "active": "on"})  # fmt: skip
        harness.broker.ddns.run_once()
        page = admin.get("/ddns")[1]
        assert "stopped" in page and "badauth: wrong user name or password" in page
        admin.post(f"/ddns/accounts/{account_id}", {"name": "noip", "provider": "noip",
                   "username": "me", "password": "pw", "base_url": noip.url, "active": "on"})  # fmt: skip
        harness.broker.ddns.run_once()
    page = admin.get("/ddns")[1]
    assert "good 203.0.113.7: updated" in page
