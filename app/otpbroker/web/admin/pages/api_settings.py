"""API setting: REST listeners, paths, request limits and the country code, in one form.

Saved all or nothing (``settings_form``): the first value the configuration refuses is
shown next to its field and nothing is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

API_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Listeners"), ("api.http_enabled", "api.http_port", "api.https_enabled", "api.https_port")),
    (
        N_("Paths"),
        ("api.message_path", "api.sms_path", "api.mail_path", "api.block_path", "api.unblock_path"),
    ),
    (N_("Requests"), ("api.max_body_bytes", "api.auth_cache_seconds")),
    (N_("Phone numbers"), ("device.country_code",)),
)
LABELS = {
    "api.http_enabled": N_("Enable HTTP"),
    "api.http_port": N_("HTTP port"),
    "api.https_enabled": N_("Enable HTTPS"),
    "api.https_port": N_("HTTPS port"),
    "api.message_path": N_("Message path (SMS and e-mail)"),
    "api.sms_path": N_("SMS path"),
    "api.mail_path": N_("E-mail path"),
    "api.block_path": N_("Blocking path"),
    "api.unblock_path": N_("Unblocking path"),
    "api.max_body_bytes": N_("Largest request body (bytes)"),
    "api.auth_cache_seconds": N_("Login cache (seconds)"),
    "device.country_code": N_("Country calling code"),
}


def api_sections(current: Mapping[str, Any]) -> Sections:
    """The API setting groups, plus any other ``api.*`` key the schema has."""
    sections = [(_(title), [key for key in keys if key in current]) for title, keys in API_SECTIONS]
    listed = {key for _title, keys in sections for key in keys}
    more = [key for key in current if key.startswith("api.") and key not in listed]
    if more:
        sections.append((_("More"), more))
    return sections


def _listener() -> dict[str, Any]:
    """The port this page was served on (the running listener)."""
    port = str(bottle.request.environ.get("SERVER_PORT") or "")
    return {"listening_port": int(port) if port.isdigit() else None}


FORM = SettingsForm("/api-settings", N_("API setting"), "api_settings", api_sections, LABELS,
                    _listener)  # fmt: skip


def _form() -> SettingsForm:
    """The form with its title and labels in the page's language."""
    labels = {key: _(label) for key, label in LABELS.items()}
    return dataclasses.replace(FORM, title=_(FORM.title), labels=labels)


def show(context: AdminServices) -> str:
    """The API setting form."""
    return show_form(context, _form())


def save(context: AdminServices) -> str:
    """Save the API settings, all or nothing."""
    return save_form(context, _form())


ROUTES = (
    Route("GET", "/api-settings", show),
    Route("POST", "/api-settings", save),
)
