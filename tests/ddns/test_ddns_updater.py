"""The updater service with a real configuration store and loopback provider fakes."""

from __future__ import annotations

import time

import pytest
from ddns_fakes import DynDns2Fake, text

from otpbroker.config.store import ConfigStore
from otpbroker.ddns.providers import provider_for
from otpbroker.ddns.web_client import WebClient
from otpbroker.services.ddns import DdnsUpdater, backoff_seconds

HOST = "home.example.com"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(tmp_path):
    store = ConfigStore(tmp_path)
    address = {"value": "203.0.113.7"}
    clock = Clock()
    with DynDns2Fake(users={"me": "pw"}, hosts={HOST: "198.51.100.1"}) as fake:
        account = store.add("ddns_accounts", {"name": "noip", "provider": "noip",
                                              "username": "me", "password": "pw",
                                              "base_url": fake.url})  # fmt: skip
        record = store.add("ddns_records", {"name": HOST, "account": account["id"]})
        client = WebClient("OTP-Broker/9.9 ops@example.com", timeout=5.0)

        def find() -> str:
            if isinstance(address["value"], Exception):
                raise address["value"]
            return address["value"]

        updater = DdnsUpdater(store, store, find, lambda a: provider_for(a, client), clock)
        yield store, updater, fake, record["id"], address, clock
    store.close()


def test_first_update_stores_address_time_and_answer(setup) -> None:
    store, updater, fake, record_id, _address, _clock = setup
    updater.run_once()
    stored = store.get_record("ddns_records", record_id)
    assert stored["last_address"] == "203.0.113.7"
    assert stored["last_status"] == "updated"
    assert stored["last_answer"] == "good 203.0.113.7: updated"
    assert stored["last_update"].endswith("+00:00")
    assert updater.status()["address"] == "203.0.113.7"
    assert len(fake.requests) == 1


def test_unchanged_address_sends_nothing_and_a_change_sends_once(setup) -> None:
    store, updater, fake, record_id, address, _clock = setup
    updater.run_once()
    updater.run_once()
    updater.run_once(forced=True)
    assert len(fake.requests) == 1
    address["value"] = "198.51.100.50"
    updater.run_once()
    updater.run_once()
    assert [s.query["myip"] for s in fake.requests] == ["203.0.113.7", "198.51.100.50"]
    assert store.get_record("ddns_records", record_id)["last_address"] == "198.51.100.50"


def test_inactive_records_and_accounts_are_skipped(setup) -> None:
    store, updater, fake, record_id, _address, _clock = setup
    store.update("ddns_records", record_id, {"active": False})
    updater.run_once()
    store.update("ddns_records", record_id, {"active": True})
    account_id = store.get_record("ddns_records", record_id)["account"]
    store.update("ddns_accounts", account_id, {"active": False})
    updater.run_once()
    assert not fake.requests


def test_a_fatal_answer_stops_the_record_until_it_is_edited(setup) -> None:
    store, updater, fake, record_id, address, _clock = setup
    fake.script.append(text(200, "abuse"))
    updater.run_once()
    stored = store.get_record("ddns_records", record_id)
    assert stored["last_status"] == "fatal"
    assert stored["last_answer"].startswith("abuse: ")
    address["value"] = "198.51.100.50"
    updater.run_once(forced=True)
    assert len(fake.requests) == 1
    store.update("ddns_records", record_id, {"last_status": ""})  # what an edit does
    updater.run_once()
    assert len(fake.requests) == 2


def test_911_waits_thirty_minutes_even_when_forced(setup) -> None:
    store, updater, fake, record_id, _address, clock = setup
    fake.script.append(text(200, "911"))
    updater.run_once()
    stored = store.get_record("ddns_records", record_id)
    assert stored["last_status"] == "retry"
    assert stored["last_answer"].endswith("(next try in 1800 s)")
    assert updater.status()["retry_in"] == {record_id: 1800.0}
    clock.now += 1799
    updater.run_once(forced=True)
    assert len(fake.requests) == 1
    clock.now += 1
    updater.run_once()
    assert len(fake.requests) == 2
    assert store.get_record("ddns_records", record_id)["last_status"] == "updated"


def test_network_failures_back_off_and_update_now_skips_our_own_back_off(setup) -> None:
    store, updater, fake, record_id, _address, clock = setup
    account_id = store.get_record("ddns_records", record_id)["account"]
    good_url = fake.url
    store.update("ddns_accounts", account_id, {"base_url": "http://127.0.0.1:9"})
    updater.run_once()
    updater.run_once()
    assert updater.status()["retry_in"] == {record_id: 60.0}
    clock.now += 60
    updater.run_once()
    assert updater.status()["retry_in"] == {record_id: 120.0}
    assert "failed" in store.get_record("ddns_records", record_id)["last_answer"]
    store.update("ddns_accounts", account_id, {"base_url": good_url})
    updater.run_once(forced=True)
    assert store.get_record("ddns_records", record_id)["last_status"] == "updated"
    assert updater.status()["retry_in"] == {}


def test_no_public_address_is_reported_and_nothing_sent(setup) -> None:
    _store, updater, fake, _record_id, address, _clock = setup
    address["value"] = LookupError("no service gave the public address: x")
    updater.run_once()
    assert updater.status()["error"] == "no service gave the public address: x"
    assert not fake.requests


def test_backoff_grows_and_respects_the_provider() -> None:
    assert [backoff_seconds(n, None) for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]
    assert backoff_seconds(1, 1800.0) == 1800.0


def test_the_thread_runs_on_update_now_and_stops(setup) -> None:
    store, updater, _fake, record_id, _address, _clock = setup
    updater.start()
    try:
        updater.update_now()
        for _ in range(200):
            if store.get_record("ddns_records", record_id)["last_status"]:
                break
            time.sleep(0.05)
    finally:
        updater.stop()
    assert store.get_record("ddns_records", record_id)["last_status"] == "updated"


def test_the_thread_runs_by_itself_while_enabled(setup) -> None:
    store, updater, fake, record_id, _address, _clock = setup
    store.update_settings({"ddns.enabled": True})
    updater.start()
    try:
        for _ in range(200):
            if store.get_record("ddns_records", record_id)["last_status"]:
                break
            time.sleep(0.05)
    finally:
        updater.stop()
    assert store.get_record("ddns_records", record_id)["last_status"] == "updated"
    assert len(fake.requests) == 1
