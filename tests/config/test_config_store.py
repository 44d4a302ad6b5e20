"""ConfigStore: settings, records, uniqueness, secrets, change detection, threads, processes."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from otpbroker.config import (
    COLLECTIONS,
    SCHEMA_VERSION,
    SETTINGS,
    ConfigError,
    ConfigStore,
    CorruptConfigError,
    NotFoundError,
    schema,
)
from otpbroker.domain.password_hash import verify_password

SAMPLE_RECORDS: dict[str, dict[str, object]] = {
    "modems": {
        "name": "Huawei E173 #1",
        "port": "/dev/serial/by-id/usb-HUAWEI_Mobile-if00-port0",
        "imei": "356938035643809",
        "prefixes": ["62871", "62872"],
        "pin": "4321",
        "apn_password": "apn-secret-value",
    },
    "api_users": {"username": "app1", "phone": "+628126666666", "email": "app1@example.com"},
    "admins": {"username": "root-admin", "email": "admin@example.com"},
    "blocklist": {"msisdn": "628126666666", "source": "rest"},
    "mail_accounts": {
        "name": "gmail 1",
        "host": "smtp.gmail.com",
        "username": "otp@example.com",
        "password": "app-password-value",
        "sender": "otp@example.com",
    },
    "firewall_ports": {"port": 1883, "protocol": "tcp", "interface": "eth0", "comment": "MQTT"},
    "ddns_accounts": {
        "name": "no-ip",
        "provider": "noip",
        "username": "me@example.com",
        "password": "noip-secret-value",
    },
    "ddns_records": {"name": "a.b.example.com", "account": "a1b2", "proxied": True, "ttl": 300},
    "webhooks": {
        "owner": "app1",
        "url": "https://hooks.example.com/otp",
        "secret": "ab" * 32,
        "events": ["status", "inbound"],
    },
}


def _raw(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "config.json").read_text())


# -- files -----------------------------------------------------------------------------


def test_creates_private_directory_and_file(data_dir: Path) -> None:
    ConfigStore(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "config.json").stat().st_mode) == 0o600
    assert _raw(data_dir)["meta"] == {"1": {"schema_version": SCHEMA_VERSION}}


def test_corrupt_file_refuses_to_open(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "config.json").write_text('{"settings": ')
    with pytest.raises(CorruptConfigError, match="not valid JSON"):
        ConfigStore(data_dir)
    assert (data_dir / "config.json").read_text() == '{"settings": '


# -- settings --------------------------------------------------------------------------


def test_defaults_when_unset(store: ConfigStore) -> None:
    assert store.get("api.http_port") == 8888
    # schema.default: the tests' process runs with the rate limits off (tests/conftest.py)
    assert store.settings() == {spec.key: schema.default(spec.key) for spec in SETTINGS}


def test_set_get_persist_and_reset(store: ConfigStore, data_dir: Path) -> None:
    store.set("api.http_port", 8080)
    store.set("otp.template", "OTP Anda adalah {otp}")
    assert store.get("api.http_port") == 8080
    reopened = ConfigStore(data_dir)
    assert reopened.get("otp.template") == "OTP Anda adalah {otp}"
    assert reopened.settings()["api.http_port"] == 8080
    reopened.reset("api.http_port")
    assert store.get("api.http_port") == 8888
    assert "api.http_port" not in _raw(data_dir)["settings"]["1"]


def test_invalid_values_are_not_stored(store: ConfigStore) -> None:
    with pytest.raises(ConfigError, match=r"^api.http_port: must be between 1 and 65535, got 0$"):
        store.set("api.http_port", 0)
    with pytest.raises(ConfigError, match=r"^bogus: unknown setting"):
        store.set("bogus", 1)
    with pytest.raises(ConfigError, match=r"^bogus: unknown setting"):
        store.get("bogus")
    assert store.get("api.http_port") == 8888


def test_update_settings_is_all_or_nothing(store: ConfigStore) -> None:
    with pytest.raises(ConfigError, match=r"^api.block_path"):
        store.update_settings({"api.http_port": 9000, "api.block_path": "no-slash"})
    assert store.get("api.http_port") == 8888
    store.update_settings({"api.http_port": 9000, "api.block_path": "/v2/block"})
    assert (store.get("api.http_port"), store.get("api.block_path")) == (9000, "/v2/block")


def test_port_conflict_is_rejected(store: ConfigStore) -> None:
    store.set("api.https_port", 8888)  # fine while HTTPS is off
    with pytest.raises(ConfigError, match=r"^api.https_port: must differ from api.http_port"):
        store.set("api.https_enabled", True)
    store.update_settings({"api.https_enabled": True, "api.https_port": 8443})
    with pytest.raises(ConfigError, match="must differ"):
        store.set("api.http_port", 8443)
    store.set("api.https_enabled", False)
    store.set("api.http_port", 8443)
    with pytest.raises(ConfigError, match="must differ"):
        store.set("api.https_enabled", True)


def test_hand_edited_invalid_value_falls_back_to_default(data_dir: Path) -> None:
    ConfigStore(data_dir).set("sms.max_parts", 5)
    raw = _raw(data_dir)
    raw["settings"]["1"]["sms.max_parts"] = 999
    (data_dir / "config.json").write_text(json.dumps(raw))
    assert ConfigStore(data_dir).get("sms.max_parts") == 10


# -- records ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", COLLECTIONS)
def test_crud(store: ConfigStore, name: str) -> None:
    fields = SAMPLE_RECORDS[name]
    record = store.add(name, fields)
    assert isinstance(record["id"], str) and record["id"]
    assert {key: record[key] for key in fields} == fields
    assert set(record) == {"id"} | {field.key for field in COLLECTIONS[name].fields}
    assert store.get_record(name, record["id"]) == record
    assert store.list(name) == [record]

    change = {
        "blocklist": {"source": "admin"},
        "modems": {"active": False},
        "mail_accounts": {"active": False},
        "firewall_ports": {"active": False},
        "ddns_accounts": {"active": False},
        "ddns_records": {"active": False},
        "webhooks": {"active": False},
    }.get(name, {"blocked": True})
    updated = store.update(name, record["id"], change)
    assert updated == {**record, **change}
    assert store.get_record(name, record["id"]) == updated
    assert store.find(name, **change) == [updated]

    store.delete(name, record["id"])
    assert store.list(name) == []
    for call in (
        lambda: store.get_record(name, record["id"]),
        lambda: store.update(name, record["id"], change),
        lambda: store.delete(name, record["id"]),
    ):
        with pytest.raises(NotFoundError, match=f"^{name}: no record with id"):
            call()


def test_ids_are_stable_and_order_is_insertion(store: ConfigStore) -> None:
    ids = [store.add("blocklist", {"msisdn": f"62812000{n}"})["id"] for n in range(5)]
    store.delete("blocklist", ids[2])
    later = store.add("blocklist", {"msisdn": "628129999"})["id"]
    assert later not in ids
    assert [r["id"] for r in store.list("blocklist")] == [*ids[:2], *ids[3:], later]


def test_validation_on_add_and_update(store: ConfigStore) -> None:
    with pytest.raises(ConfigError, match=r"^modems.port: is required"):
        store.add("modems", {"name": "m"})
    modem = store.add("modems", {"name": "m", "port": "/dev/ttyUSB0"})
    with pytest.raises(ConfigError, match=r"^modems.baud_rate: must be one of"):
        store.update("modems", modem["id"], {"baud_rate": 1234})
    with pytest.raises(ConfigError, match=r"^modems.id: is assigned by the store"):
        store.update("modems", modem["id"], {"id": "other"})
    assert store.get_record("modems", modem["id"])["baud_rate"] == 115200
    with pytest.raises(ConfigError, match=r"^modems.colour: unknown field"):
        store.find("modems", colour="red")
    with pytest.raises(ConfigError, match=r"^widgets: unknown collection"):
        store.list("widgets")


@pytest.mark.parametrize("name", ["api_users", "admins"])
def test_username_is_unique_case_insensitively(store: ConfigStore, name: str) -> None:
    first = store.add(name, {"username": "alice"})
    with pytest.raises(ConfigError, match=rf"^{name}.username: 'Alice' is already used"):
        store.add(name, {"username": "Alice"})
    second = store.add(name, {"username": "bob"})
    with pytest.raises(ConfigError, match=rf"^{name}.username: 'ALICE' is already used"):
        store.update(name, second["id"], {"username": "ALICE"})
    store.update(name, first["id"], {"username": "Alice"})  # renaming itself is fine
    assert [r["username"] for r in store.list(name)] == ["Alice", "bob"]


def test_same_username_in_both_account_kinds(store: ConfigStore) -> None:
    store.add("admins", {"username": "ops"})
    store.add("api_users", {"username": "ops"})


def test_blocked_msisdn_is_unique(store: ConfigStore) -> None:
    store.add("blocklist", {"msisdn": "628126666666"})
    with pytest.raises(ConfigError, match=r"^blocklist.msisdn: '628126666666' is already used"):
        store.add("blocklist", {"msisdn": "628126666666", "source": "mqtt"})
    assert len(store.find("blocklist", msisdn="628126666666")) == 1


def test_public_view_hides_secret_fields(store: ConfigStore) -> None:
    modem = store.add("modems", SAMPLE_RECORDS["modems"])
    view = store.public_view("modems", modem)
    assert "pin" not in view and "apn_password" not in view
    assert view["pin_set"] is True and view["apn_password_set"] is True
    assert "4321" not in json.dumps(view) and "apn-secret-value" not in json.dumps(view)
    assert view["name"] == modem["name"]
    user = store.add("api_users", {"username": "app"})
    store.set_password("api_users", user["id"], "a long passphrase")
    user_view = store.public_view("api_users", store.get_record("api_users", user["id"]))
    assert "password_hash" not in user_view and user_view["password_hash_set"] is True
    assert "scrypt" not in json.dumps(user_view)


def test_passwords(store: ConfigStore) -> None:
    admin = store.add("admins", {"username": "root"})
    assert store.get_record("admins", admin["id"])["password_hash"] == ""
    assert not store.check_password("admins", admin["id"], "")
    store.set_password("admins", admin["id"], "S3cure pass phrase")
    stored = store.get_record("admins", admin["id"])["password_hash"]
    assert stored.startswith("scrypt$") and verify_password("S3cure pass phrase", stored)
    assert store.check_password("admins", admin["id"], "S3cure pass phrase")
    assert not store.check_password("admins", admin["id"], "s3cure pass phrase")
    with pytest.raises(ConfigError, match=r"^password: must be at least 8 characters long$"):
        store.set_password("admins", admin["id"], "short")
    with pytest.raises(ConfigError, match=r"^password: must not contain control"):
        store.set_password("admins", admin["id"], "new\nline password")
    with pytest.raises(ConfigError, match=r"^modems: records of this collection have no password"):
        store.set_password("modems", admin["id"], "whatever long")
    with pytest.raises(NotFoundError):
        store.set_password("admins", "missing", "whatever long")


# -- change detection ------------------------------------------------------------------


def test_refresh_sees_another_instance(data_dir: Path) -> None:
    server, cli = ConfigStore(data_dir), ConfigStore(data_dir)
    assert server.refresh() is False
    before = server.generation
    cli.set("sms.max_parts", 4)
    assert server.refresh() is True
    assert server.generation == before + 1
    assert server.refresh() is False
    assert server.get("sms.max_parts") == 4
    cli.add("blocklist", {"msisdn": "628110001"})
    assert server.refresh() is True
    assert [r["msisdn"] for r in server.list("blocklist")] == ["628110001"]


def test_refresh_reports_a_corrupt_file_until_it_is_fixed(data_dir: Path) -> None:
    store = ConfigStore(data_dir)
    store.set("otp.digits", 7)
    good = (data_dir / "config.json").read_bytes()
    generation = store.generation
    (data_dir / "config.json").write_text("{broken")
    for _ in range(2):
        with pytest.raises(CorruptConfigError):
            store.refresh()
    assert store.generation == generation
    (data_dir / "config.json").write_bytes(good.replace(b": 7", b": 8"))
    assert store.refresh() is True
    assert store.get("otp.digits") == 8


def test_generation_counts_changes_made(store: ConfigStore) -> None:
    assert store.generation == 0
    store.set("otp.digits", 8)
    assert store.generation == 1
    store.set("otp.digits", 8)  # no change, no write
    assert store.generation == 1
    record = store.add("admins", {"username": "a"})
    store.update("admins", record["id"], {"phone": "0812345"})
    store.delete("admins", record["id"])
    assert store.generation == 4
    assert store.refresh() is False


def test_subscribers_are_notified(data_dir: Path) -> None:
    server, cli = ConfigStore(data_dir), ConfigStore(data_dir)
    seen: list[int] = []
    unsubscribe = server.subscribe(seen.append)
    server.subscribe(lambda generation: 1 / 0)  # a failing subscriber is only logged
    server.set("otp.digits", 7)
    cli.set("otp.digits", 8)
    server.refresh()
    server.refresh()
    assert seen == [1, 2]
    unsubscribe()
    server.set("otp.digits", 9)
    assert seen == [1, 2]


def test_stale_instance_can_still_insert(data_dir: Path) -> None:
    first, second = ConfigStore(data_dir), ConfigStore(data_dir)
    first.add("blocklist", {"msisdn": "628001"})
    second.add("blocklist", {"msisdn": "628002"})
    first.add("blocklist", {"msisdn": "628003"})
    second.set("otp.digits", 5)
    first.set("otp.ttl_seconds", 60)
    assert [r["msisdn"] for r in ConfigStore(data_dir).list("blocklist")] == [
        "628001",
        "628002",
        "628003",
    ]
    assert (first.get("otp.digits"), second.get("otp.ttl_seconds")) == (5, 60)


# -- concurrency -----------------------------------------------------------------------


def test_many_threads_leave_a_consistent_file(data_dir: Path) -> None:
    stores = [ConfigStore(data_dir), ConfigStore(data_dir)]  # same process, two instances
    errors: list[BaseException] = []
    threads_per_store, each = 4, 15

    def work(store: ConfigStore, worker: int) -> None:
        try:
            for n in range(each):
                store.add("blocklist", {"msisdn": f"62{worker:02d}{n:04d}"})
                store.set("sms.dedup_window_seconds", worker * 100 + n)
                record = store.add("api_users", {"username": f"u{worker}-{n}"})
                store.update("api_users", record["id"], {"phone": f"0812{worker:02d}{n:04d}"})
                store.refresh()
                store.settings()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(store, index * threads_per_store + offset))
        for index, store in enumerate(stores)
        for offset in range(threads_per_store)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    fresh = ConfigStore(data_dir)
    workers = len(threads)
    assert len(fresh.list("blocklist")) == workers * each
    users = fresh.list("api_users")
    assert len(users) == workers * each
    assert len({user["id"] for user in users}) == workers * each
    assert all(user["phone"].startswith("0812") for user in users)
    raw = _raw(data_dir)
    assert len(raw["blocklist"]) == workers * each
    assert fresh.get("sms.dedup_window_seconds") % 100 == each - 1


def test_two_processes_do_not_lose_updates(data_dir: Path) -> None:
    ConfigStore(data_dir)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child = ConfigStore(data_dir)
            for n in range(40):
                child.add("blocklist", {"msisdn": f"6281{n:04d}", "source": "cli"})
            code = 0
        finally:
            os._exit(code)
    parent = ConfigStore(data_dir)
    for n in range(40):
        parent.add("blocklist", {"msisdn": f"6282{n:04d}", "source": "admin"})
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    records = ConfigStore(data_dir).list("blocklist")
    assert len(records) == 80
    assert {r["source"] for r in records} == {"cli", "admin"}


def test_prefixes_and_blocked_numbers_are_stored_in_msisdn_form(tmp_path):
    from otpbroker.config.errors import ConfigError
    from otpbroker.config.store import ConfigStore

    store = ConfigStore(tmp_path / "data")
    modem = store.add(
        "modems", {"name": "op1", "port": "/dev/ttyUSB0", "prefixes": ["0871", "+62872", "62871"]}
    )
    assert modem["prefixes"] == ["62871", "62872"]
    updated = store.update("modems", modem["id"], {"prefixes": ["0835"]})
    assert updated["prefixes"] == ["62835"]
    blocked = store.add(
        "blocklist",
        {"msisdn": "08126666666", "created_at": "2026-01-01T00:00:00+00:00", "source": "admin"},
    )
    assert blocked["msisdn"] == "628126666666"
    with pytest.raises(ConfigError, match=r"modems\.prefixes"):
        store.add("modems", {"name": "bad", "port": "/dev/ttyUSB1", "prefixes": ["08x1"]})


def test_every_set_is_one_atomic_write_even_on_a_fresh_store(tmp_path):
    from otpbroker.config.store import ConfigStore

    store = ConfigStore(tmp_path / "data")
    writes = []
    original = store._storage.write
    store._storage.write = lambda data: (writes.append(1), original(data))[1]
    store.set("api.auth_cache_seconds", 42)
    store.set("api.auth_cache_seconds", 43)
    assert len(writes) == 2  # one file replacement per change: never a half-made state
