"""Schema version of ``config.json`` and the ordered steps that bring old files up to it.

``MIGRATIONS[n]`` turns a version-``n`` document into version ``n + 1``; each step works
on the raw TinyDB document (``{table: {doc_id: document}}``) and must be idempotent on the
data it touches. The current layout (version 2) is::

    meta      {"1": {"schema_version": 2}}
    settings  {"1": {"api.http_port": 8888, ...}}      (only keys that differ from unset)
    modems | api_users | admins | blocklist   {"<doc_id>": {"id": "...", ...}}

Version 0 is the prototype layout: no ``meta`` table, the settings as one document of
the ``_default`` table under the original product's names (``http_port``,
``blocking_path`` ...), records without an ``id`` and accounts with a clear ``password``.
Version 1 has the current layout, written before SIM pacing, sending limits and MQTT 5.
"""

from __future__ import annotations

import copy
import logging
import secrets
from collections.abc import Callable
from typing import Any

from otpbroker.config.errors import ConfigError, CorruptConfigError
from otpbroker.config.schema import validate
from otpbroker.domain.password_hash import hash_password

log = logging.getLogger(__name__)

Document = dict[str, dict[str, Any]]
Migration = Callable[[Document], None]

META = "meta"
SETTINGS = "settings"
RECORD_TABLES = ("modems", "api_users", "admins", "blocklist")

V0_SETTING_NAMES: dict[str, str] = {
    "country_code": "device.country_code",
    "http_enable": "api.http_enabled",
    "http_port": "api.http_port",
    "https_enable": "api.https_enabled",
    "https_port": "api.https_port",
    "message_path": "api.message_path",
    "blocking_path": "api.block_path",
    "unblocking_path": "api.unblock_path",
}


def new_id() -> str:
    """A fresh, stable record id."""
    return secrets.token_hex(8)


def _v0_to_v1(data: Document) -> None:
    """Prototype layout -> v1: rename settings, give records ids, hash clear passwords."""
    legacy = data.pop("_default", {})
    settings: dict[str, Any] = {}
    for document in legacy.values():
        for old_name, value in document.items():
            key = V0_SETTING_NAMES.get(old_name)
            if key is None:
                log.warning("migration: dropped unknown v0 setting %r", old_name)
                continue
            try:
                settings[key] = validate(key, value)
            except ConfigError as error:
                log.warning("migration: dropped invalid v0 setting (%s)", error)
    existing: dict[str, Any] = next(iter(data.get(SETTINGS, {}).values()), {})
    settings.update(existing)  # a partly current file keeps its current-layout values
    data[SETTINGS] = {"1": settings} if settings else {}
    for table in RECORD_TABLES:
        for record in data.get(table, {}).values():
            record.setdefault("id", new_id())
            if table in ("api_users", "admins") and "password" in record:
                clear = record.pop("password")
                has_text = isinstance(clear, str) and bool(clear)
                record["password_hash"] = hash_password(clear) if has_text else ""


#: Modem fields of SIM pacing (gap, jitter, caps); 0 switches each off.
PACING_FIELDS = (
    "min_gap_seconds",
    "gap_jitter_seconds",
    "max_per_hour",
    "max_per_day",
    "max_recipients_per_month",
)
#: Sending limits per API user or feeder: a busy device may send more through one user.
USER_LIMITS = ("limits.user_per_minute", "limits.user_per_hour")


def _v1_to_v2(data: Document) -> None:
    """v1 -> v2: an upgraded device keeps the throughput it had.

    New devices and new modems get SIM pacing, per-user sending limits and MQTT 5 by
    default; a device that already sends keeps its modems unpaced, its API users and
    feeders without a per-user limit, and a configured MQTT feeder on MQTT 3.1.1, until the
    owner sets them (the per-number and per-prefix limits against pumping apply at once)."""
    for record in data.get("modems", {}).values():
        for field in PACING_FIELDS:
            record.setdefault(field, 0)
    table = data.setdefault(SETTINGS, {})
    settings = table.setdefault("1", {}) if not table else next(iter(table.values()))
    for key in USER_LIMITS:
        settings.setdefault(key, 0)
    if any(key.startswith("feeders.mqtt.") for key in settings):
        settings.setdefault("feeders.mqtt.protocol", "3.1.1")


MIGRATIONS: tuple[Migration, ...] = (_v0_to_v1, _v1_to_v2)
SCHEMA_VERSION = len(MIGRATIONS)


def version_of(data: Document | None) -> int:
    """The schema version of a raw document (an empty one counts as current)."""
    if not data:
        return SCHEMA_VERSION
    meta = data.get(META) or {}
    versions = [doc.get("schema_version") for doc in meta.values() if isinstance(doc, dict)]
    if not versions:
        return 0
    version = versions[0]
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise CorruptConfigError("meta.schema_version", f"not a version number: {version!r}")
    return version


def migrate(data: Document | None) -> tuple[Document, bool]:
    """``data`` brought to :data:`SCHEMA_VERSION`, and whether anything changed."""
    version = version_of(data)
    if version > SCHEMA_VERSION:
        raise ConfigError(
            "meta.schema_version",
            f"the file has version {version}, newer than this software's {SCHEMA_VERSION}",
        )
    if data and version == SCHEMA_VERSION:
        return data, False
    result: Document = copy.deepcopy(data) if data else {}
    for step in range(version, SCHEMA_VERSION):
        log.info("migrating configuration from version %d to %d", step, step + 1)
        MIGRATIONS[step](result)
    result[META] = {"1": {"schema_version": SCHEMA_VERSION}}
    return result, True
