"""API setting: REST listeners, paths, request limits and the country code, in one form.

Saved all or nothing (``settings_form``): the first value the configuration refuses is
shown next to its field and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bottle

from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

API_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Listeners", ("api.http_enabled", "api.http_port", "api.https_enabled", "api.https_port")),
    (
        "Paths",
        ("api.message_path", "api.sms_path", "api.mail_path", "api.block_path", "api.unblock_path"),
    ),
    ("Requests", ("api.max_body_bytes", "api.auth_cache_seconds")),
    ("Phone numbers", ("device.country_code",)),
)
LABELS = {
    "api.http_enabled": "Enable HTTP",
    "api.http_port": "HTTP port",
    "api.https_enabled": "Enable HTTPS",
    "api.https_port": "HTTPS port",
    "api.message_path": "Message path (SMS and e-mail)",
    "api.sms_path": "SMS path",
    "api.mail_path": "E-mail path",
    "api.block_path": "Blocking path",
    "api.unblock_path": "Unblocking path",
    "api.max_body_bytes": "Largest request body (bytes)",
    "api.auth_cache_seconds": "Login cache (seconds)",
    "device.country_code": "Country calling code",
}


def api_sections(current: Mapping[str, Any]) -> Sections:
    """The API setting groups, plus any other ``api.*`` key the schema has."""
    sections = [(title, [key for key in keys if key in current]) for title, keys in API_SECTIONS]
    listed = {key for _title, keys in sections for key in keys}
    more = [key for key in current if key.startswith("api.") and key not in listed]
    if more:
        sections.append(("More", more))
    return sections


def _listener() -> dict[str, Any]:
    """The port this page was served on (the running listener)."""
    port = str(bottle.request.environ.get("SERVER_PORT") or "")
    return {"listening_port": int(port) if port.isdigit() else None}


FORM = SettingsForm("/api-settings", "API setting", "api_settings", api_sections, LABELS,
                    _listener)  # fmt: skip


def show(context: AdminServices) -> str:
    """The API setting form."""
    return show_form(context, FORM)


def save(context: AdminServices) -> str:
    """Save the API settings, all or nothing."""
    return save_form(context, FORM)


ROUTES = (
    Route("GET", "/api-settings", show),
    Route("POST", "/api-settings", save),
)
