"""Record collections (modems, API users, administrators, blocking list) and their fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from otpbroker.config.errors import ConfigError
from otpbroker.config.fields import (
    BLOCKLIST_FIELDS,
    DDNS_ACCOUNT_FIELDS,
    DDNS_RECORD_FIELDS,
    FIREWALL_PORT_FIELDS,
    MAIL_ACCOUNT_FIELDS,
    MODEM_FIELDS,
)
from otpbroker.config.fields_accounts import API_USER_FIELDS, account_fields
from otpbroker.config.fields_webhooks import WEBHOOK_FIELDS
from otpbroker.config.rules import Setting, check_value, parse_text
from otpbroker.i18n.translate import N_, _

ADMIN_FIELDS: tuple[Setting, ...] = (
    Setting(
        "language",
        str,
        "",
        N_(
            "Language of the admin for this administrator: en (English) or id (Bahasa "
            "Indonesia); empty: the browser's language."
        ),
        choices=("", "en", "id"),
    ),
)


@dataclass(frozen=True)
class Collection:
    """A named list of records: its fields, and which fields must be unique."""

    name: str
    doc: str
    fields: tuple[Setting, ...]
    unique: tuple[str, ...] = ()

    def field(self, name: str) -> Setting:
        """The field called ``name``; ConfigError for an unknown one."""
        for candidate in self.fields:
            if candidate.key == name:
                return candidate
        raise ConfigError(f"{self.name}.{name}", _("unknown field"))

    @property
    def secret_fields(self) -> tuple[str, ...]:
        """Names of the fields that are never shown back."""
        return tuple(field.key for field in self.fields if field.secret)


COLLECTIONS: dict[str, Collection] = {
    collection.name: collection
    for collection in (
        Collection("modems", N_("GSM modems and how messages are routed to them."), MODEM_FIELDS),
        Collection(
            "api_users",
            N_("Accounts that send through the REST API."),
            account_fields("api_users") + API_USER_FIELDS,
            unique=("username",),
        ),
        Collection(
            "admins",
            N_("Administrators of the browser admin."),
            account_fields("admins") + ADMIN_FIELDS,
            unique=("username",),
        ),
        Collection(
            "blocklist",
            N_("Numbers that never receive an SMS."),
            BLOCKLIST_FIELDS,
            unique=("msisdn",),
        ),
        Collection(
            "mail_accounts",
            N_("E-mail accounts, used in turn so their daily limits add up."),
            MAIL_ACCOUNT_FIELDS,
            unique=("name",),
        ),
        Collection(
            "firewall_ports",
            N_("Ports opened in the firewall beyond the admin and API ports."),
            FIREWALL_PORT_FIELDS,
        ),
        Collection(
            "ddns_accounts",
            N_("Dynamic DNS provider accounts (Cloudflare, No-IP, Dynu, FreeDNS)."),
            DDNS_ACCOUNT_FIELDS,
            unique=("name",),
        ),
        Collection(
            "ddns_records",
            N_("Host names kept pointing at the device's public IPv4 address."),
            DDNS_RECORD_FIELDS,
            unique=("name",),
        ),
        Collection(
            "webhooks",
            N_("URLs that receive status events and received SMS, signed with their secret."),
            WEBHOOK_FIELDS,
        ),
    )
}


def collection(name: str) -> Collection:
    """The collection called ``name``; ConfigError for an unknown one."""
    try:
        return COLLECTIONS[name]
    except (KeyError, TypeError):
        raise ConfigError(str(name), _("unknown collection")) from None


def _defaults(spec: Collection) -> dict[str, Any]:
    values = {field.key: field.default for field in spec.fields}
    if spec.name == "blocklist":
        values["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return {key: list(value) if isinstance(value, list) else value for key, value in values.items()}


def validate_fields(name: str, fields: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate ``fields`` of a record of collection ``name``.

    ``partial=False`` (a new record): required fields must be present and missing ones
    take their defaults. ``partial=True`` (an update): only the given fields are checked.
    """
    spec = collection(name)
    if not isinstance(fields, Mapping):
        message = _("fields must be a mapping, got {kind}")
        raise ConfigError(name, message.format(kind=type(fields).__name__))
    if "id" in fields:
        raise ConfigError(f"{name}.id", _("is assigned by the store and cannot be set"))
    checked = {}
    for key, value in fields.items():
        field = spec.field(key) if isinstance(key, str) else spec.field(repr(key))
        try:
            checked[key] = check_value(field, value)
        except ConfigError as error:
            raise ConfigError(f"{name}.{key}", error.rule) from None
    if partial:
        return checked
    for field in spec.fields:
        if field.required and field.key not in checked:
            raise ConfigError(f"{name}.{field.key}", _("is required"))
    return {**_defaults(spec), **checked}


def with_defaults(name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record completed with defaults for fields it lacks (older files)."""
    spec = collection(name)
    defaults = {field.key: field.default for field in spec.fields}
    merged = {
        key: list(value) if isinstance(value, list) else value for key, value in defaults.items()
    }
    merged.update(record)
    return merged


def parse_field(name: str, field: str, text: str) -> Any:
    """Parse command-line ``text`` for ``field`` of collection ``name``."""
    spec = collection(name).field(field)
    try:
        return parse_text(spec, text)
    except ConfigError as error:
        raise ConfigError(f"{name}.{field}", error.rule) from None


def public_view(name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` without its secret fields; ``<field>_set`` says whether each was set."""
    secrets = collection(name).secret_fields
    view = {key: value for key, value in record.items() if key not in secrets}
    for key in secrets:
        view[f"{key}_set"] = bool(record.get(key))
    return view


def check_unique(
    name: str,
    record: Mapping[str, Any],
    documents: Sequence[Mapping[str, Any]],
    exclude: str | None,
) -> None:
    """ConfigError when a unique field of ``record`` is already used by another record."""
    for field in collection(name).unique:
        value = record.get(field)
        wanted = value.casefold() if isinstance(value, str) else value
        for document in documents:
            other = document.get(field)
            if document.get("id") == exclude:
                continue
            if (other.casefold() if isinstance(other, str) else other) == wanted:
                message = _("{value} is already used by record {record}")
                shown = message.format(value=repr(value), record=repr(document.get("id")))
                raise ConfigError(f"{name}.{field}", shown)
