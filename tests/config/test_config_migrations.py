"""Old configuration files are migrated to the current schema version on open."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from otpbroker.config import SCHEMA_VERSION, ConfigError, ConfigStore
from otpbroker.config.migrations import MIGRATIONS, PACING_FIELDS, migrate, version_of
from otpbroker.domain.password_hash import verify_password

V0_DOCUMENT = {
    "_default": {
        "1": {
            "http_port": 8080,
            "http_enable": True,
            "https_port": 8443,
            "https_enable": False,
            "message_path": "/api/message",
            "blocking_path": "/block",
            "unblocking_path": "/unblock",
            "country_code": "0",  # invalid: dropped, the default applies
            "theme": "dark",  # unknown: dropped
        }
    },
    "api_users": {"1": {"username": "legacy", "password": "old clear password", "active": True}},
    "admins": {"1": {"username": "boss", "password": ""}},
    "modems": {"1": {"name": "E173", "port": "/dev/ttyUSB0", "prefixes": ["62871"]}},
}


def _write(data_dir: Path, document: object) -> None:
    data_dir.mkdir(mode=0o700)
    (data_dir / "config.json").write_text(json.dumps(document))


def test_versions_are_ordered() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    assert version_of(None) == SCHEMA_VERSION
    assert version_of(V0_DOCUMENT) == 0


def test_v0_file_is_migrated_on_open(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    _write(data_dir, V0_DOCUMENT)
    with caplog.at_level(logging.INFO, logger="otpbroker.config.migrations"):
        store = ConfigStore(data_dir)

    raw = json.loads((data_dir / "config.json").read_text())
    assert raw["meta"] == {"1": {"schema_version": SCHEMA_VERSION}}
    assert "_default" not in raw
    assert store.get("api.http_port") == 8080
    assert store.get("api.block_path") == "/block"
    assert store.get("api.unblock_path") == "/unblock"
    assert store.get("device.country_code") == "62"
    assert "migrating configuration from version 0 to 1" in caplog.text
    assert "theme" in caplog.text and "device.country_code" in caplog.text

    (user,) = store.list("api_users")
    assert user["id"] and "password" not in user
    assert verify_password("old clear password", user["password_hash"])
    assert "old clear password" not in (data_dir / "config.json").read_text()
    (admin,) = store.list("admins")
    assert admin["password_hash"] == ""
    (modem,) = store.list("modems")
    assert modem["baud_rate"] == 115200 and modem["prefixes"] == ["62871"]
    assert store.get_record("modems", modem["id"]) == modem


def test_migration_is_applied_once(data_dir: Path) -> None:
    _write(data_dir, V0_DOCUMENT)
    first = ConfigStore(data_dir).list("api_users")
    before = (data_dir / "config.json").read_bytes()
    assert ConfigStore(data_dir).list("api_users") == first
    assert (data_dir / "config.json").read_bytes() == before


def test_current_document_is_left_alone() -> None:
    document = {"meta": {"1": {"schema_version": SCHEMA_VERSION}}, "settings": {}}
    assert migrate(document) == (document, False)
    migrated, changed = migrate(None)
    assert changed and migrated == {"meta": {"1": {"schema_version": SCHEMA_VERSION}}}


def test_file_from_newer_software_is_refused(data_dir: Path) -> None:
    _write(data_dir, {"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}})
    with pytest.raises(ConfigError, match="newer than this software"):
        ConfigStore(data_dir)


def test_v0_step_keeps_settings_of_a_partial_v1_file() -> None:
    document: dict = {"settings": {"1": {"otp.digits": 8}}}
    MIGRATIONS[0](document)
    assert document["settings"] == {"1": {"otp.digits": 8}}


V1_DOCUMENT = {
    "meta": {"1": {"schema_version": 1}},
    "settings": {"1": {"feeders.mqtt.enabled": True, "feeders.mqtt.host": "broker.lan"}},
    "modems": {"1": {"id": "a1", "name": "E173", "port": "/dev/ttyUSB0"},
               "2": {"id": "b2", "name": "EC25", "port": "/dev/ttyUSB2", "max_per_day": 400}},
}  # fmt: skip


def test_an_upgraded_device_keeps_its_throughput(data_dir: Path) -> None:
    """Existing modems stay unpaced, users unlimited, the MQTT feeder on 3.1.1; what the
    owner had set is kept; a modem added after the upgrade gets the safe defaults."""
    _write(data_dir, V1_DOCUMENT)
    store = ConfigStore(data_dir)
    old, paced = sorted(store.list("modems"), key=lambda modem: modem["id"])
    assert [old[field] for field in PACING_FIELDS] == [0, 0, 0, 0, 0]
    assert paced["max_per_day"] == 400 and paced["max_per_hour"] == 0
    assert store.get("limits.user_per_minute") == store.get("limits.user_per_hour") == 0
    stored = json.loads((data_dir / "config.json").read_text())["settings"]["1"]
    assert not any(key.startswith("limits.recipient") for key in stored)  # these apply
    assert store.get("feeders.mqtt.protocol") == "3.1.1"
    new = store.add("modems", {"name": "new", "port": "/dev/ttyUSB4"})
    assert new["max_per_day"] > 0 and new["min_gap_seconds"] > 0


def test_a_device_without_mqtt_gets_mqtt_5_by_default(data_dir: Path) -> None:
    _write(data_dir, {"meta": {"1": {"schema_version": 1}}, "settings": {}})
    assert ConfigStore(data_dir).get("feeders.mqtt.protocol") == "5"
