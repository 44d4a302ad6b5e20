"""The DDNS accounts service over the real configuration store: what each provider needs,
accounts in use, records tied to an account, stops cleared and addresses re-sent."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigStore
from otpbroker.services.ddns_accounts import DdnsAccounts, DdnsRefused


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def ddns(store) -> DdnsAccounts:
    return DdnsAccounts(store)


def cloudflare(ddns: DdnsAccounts, name: str = "cf") -> dict:
    return ddns.add_account({"name": name, "provider": "cloudflare", "api_token": "t0ken",
                             "active": True})  # fmt: skip


def noip(ddns: DdnsAccounts) -> dict:
    return ddns.add_account({"name": "ni", "provider": "noip", "username": "u",
                             "password": "p4ss", "active": True})  # fmt: skip


def record(ddns: DdnsAccounts, account: dict, **fields) -> dict:
    return ddns.add_record({"name": "home.example.org", "account": account["id"], "ttl": 1,
                            "proxied": False, "active": True, **fields})  # fmt: skip


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"name": "x", "provider": "bind"},
         {"provider": "must be one of cloudflare, noip, dynu, freedns"}),
        ({"name": "x", "provider": "cloudflare"}, {"api_token": "this provider needs its token"}),
        ({"name": "x", "provider": "dynu", "username": "u"},
         {"password": "required for this provider"}),
    ],
)  # fmt: skip
def test_an_account_needs_what_its_provider_needs(ddns, store, values, errors):
    with pytest.raises(DdnsRefused) as refused:
        ddns.add_account(values)
    assert refused.value.errors == errors
    assert store.list("ddns_accounts") == []


def test_a_stored_secret_counts_and_new_credentials_restart_stopped_records(ddns, store):
    account = cloudflare(ddns)
    stopped = record(ddns, account)
    store.update("ddns_records", stopped["id"], {"last_status": "fatal"})
    ddns.save_account(account["id"], {"name": "cf2", "provider": "cloudflare", "active": True})
    assert ddns.account(account["id"])["api_token"] == "t0ken"  # a blank secret keeps it
    assert ddns.record(stopped["id"])["last_status"] == ""


def test_a_store_refusal_names_its_field(ddns):
    cloudflare(ddns)
    with pytest.raises(DdnsRefused) as refused:
        cloudflare(ddns)  # the same name again
    assert list(refused.value.errors) == ["name"]


def test_an_account_in_use_is_not_deleted(ddns, store):
    account = cloudflare(ddns)
    used = record(ddns, account)
    with pytest.raises(DdnsRefused) as refused:
        ddns.delete_account(account["id"])
    assert refused.value.errors == {"_form": "DDNS account cf is used by home.example.org: "
                                              "delete or move those records first."}  # fmt: skip
    ddns.delete_record(used["id"])
    ddns.delete_account(account["id"])
    assert store.list("ddns_accounts") == []


def test_a_record_names_an_existing_account_and_only_cloudflare_proxies(ddns, store):
    with pytest.raises(DdnsRefused) as refused:
        record(ddns, {"id": "missing"})
    assert refused.value.errors == {"account": "choose one of the accounts (add an account first)"}
    with pytest.raises(DdnsRefused) as refused:
        record(ddns, noip(ddns), proxied=True)
    assert refused.value.errors == {"proxied": "only Cloudflare records can be proxied"}
    assert store.list("ddns_records") == []


def test_an_edit_clears_a_stop_and_a_pushed_field_resends_the_address(ddns, store):
    account = cloudflare(ddns)
    kept = record(ddns, account)
    store.update("ddns_records", kept["id"], {"last_status": "fatal", "last_address": "192.0.2.1"})
    values = {k: kept[k] for k in ("name", "account", "ttl", "proxied", "active")}
    ddns.save_record(kept["id"], values)
    assert ddns.record(kept["id"])["last_status"] == ""
    assert ddns.record(kept["id"])["last_address"] == "192.0.2.1"  # nothing pushed changed
    ddns.save_record(kept["id"], {**values, "ttl": 300})
    assert ddns.record(kept["id"])["last_address"] == ""


def test_activating_clears_a_stop_and_proxying_resends(ddns, store):
    kept = record(ddns, cloudflare(ddns))
    store.update("ddns_records", kept["id"], {"last_status": "fatal", "last_address": "192.0.2.1"})
    ddns.set_record_active(kept["id"], False)
    assert ddns.record(kept["id"])["last_status"] == "fatal"
    ddns.set_record_active(kept["id"], True)
    assert ddns.record(kept["id"])["last_status"] == ""
    ddns.set_record_proxied(kept["id"], True)
    assert ddns.record(kept["id"])["proxied"] is True
    assert ddns.record(kept["id"])["last_address"] == ""
    other = record(ddns, noip(ddns), name="other.example.org")
    with pytest.raises(DdnsRefused):
        ddns.set_record_proxied(other["id"], True)
    assert ddns.set_record_proxied(other["id"], False)["proxied"] is False
