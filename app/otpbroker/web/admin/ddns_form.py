"""The DDNS page's forms: the posted account, record and updater settings read into values
(the DDNS accounts service checks what each provider needs).

Secrets (password, API token) are taken only when typed and never shown again: an account
is shown with ``<secret>_set`` flags instead.
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.i18n.translate import _
from otpbroker.services.ddns_accounts import SECRETS

SETTING_KEYS = ("ddns.enabled", "ddns.interval_seconds", "ddns.ip_source", "ddns.ip_services",
                "ddns.contact")  # fmt: skip


def _text(name: str) -> str:
    return (bottle.request.forms.getunicode(name, default="") or "").strip()


def public_account(record: dict[str, Any]) -> dict[str, Any]:
    """An account without its secrets (only whether each is stored)."""
    shown = {k: v for k, v in record.items() if k not in SECRETS}
    for key in SECRETS:
        shown[f"{key}_set"] = bool(record.get(key))
    return shown


def read_account() -> dict[str, Any]:
    """The posted account (secrets only when typed; the service checks what is needed)."""
    values: dict[str, Any] = {k: _text(k) for k in ("name", "provider", "username", "base_url")}
    values["active"] = bottle.request.forms.getunicode("active") is not None
    for key in SECRETS:
        typed = bottle.request.forms.getunicode(key, default="") or ""
        if typed:
            values[key] = typed
    return values


def read_record() -> tuple[dict[str, Any], dict[str, str]]:
    """The posted record and the errors found before the store."""
    values: dict[str, Any] = {"name": _text("name").lower().rstrip("."),
                              "account": _text("account")}  # fmt: skip
    values["proxied"] = bottle.request.forms.getunicode("proxied") is not None
    values["active"] = bottle.request.forms.getunicode("active") is not None
    errors: dict[str, str] = {}
    ttl = _text("ttl") or "1"
    try:
        values["ttl"] = int(ttl)
    except ValueError:
        values["ttl"] = ttl
        errors["ttl"] = _("must be a whole number, got {value}").format(value=repr(ttl[:20]))
    return values, errors


def read_settings(current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(changes, shown)`` from the settings form (shown keeps what was typed)."""
    interval = _text("ddns.interval_seconds")
    services = [line.strip() for line in _text("ddns.ip_services").splitlines() if line.strip()]
    shown: dict[str, Any] = {
        "ddns.enabled": bottle.request.forms.getunicode("ddns.enabled") is not None,
        "ddns.interval_seconds": int(interval) if interval.isdigit() else interval,
        "ddns.ip_source": _text("ddns.ip_source") or "web",
        "ddns.ip_services": services,
        "ddns.contact": _text("ddns.contact"),
    }
    changes = {key: value for key, value in shown.items() if current.get(key) != value}
    return changes, shown


def without_secrets(values: dict[str, Any]) -> dict[str, Any]:
    """Posted account values to show again (typed secrets are never sent back)."""
    return {k: v for k, v in values.items() if k not in SECRETS}
