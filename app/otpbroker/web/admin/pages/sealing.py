"""Sealed messages: the device's public key, its rotation, and where sealing is required.

The key is what applications seal ``send-sms`` / ``send-mail`` texts to (docs/api.md,
"Sealed messages"); rotating it keeps the previous private key until the next rotation. The
two ``sealing.*`` switches are saved all or nothing, like every settings form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from otpbroker.web.admin.render import flash, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

SECTIONS = (
    ("Require sealed messages", ("sealing.required_on_api", "sealing.required_on_feeders")),
)
LABELS = {
    "sealing.required_on_api": "On the REST API",
    "sealing.required_on_feeders": "On the feeders (RabbitMQ, MQTT, WebSocket)",
}


def _sections(current: Mapping[str, Any]) -> Sections:
    return [(title, [key for key in keys if key in current]) for title, keys in SECTIONS]


FORM = SettingsForm("/sealing", "Sealed messages", "sealing", _sections, LABELS)


def _form(context: AdminServices) -> SettingsForm:
    """The form, with the current key for the page's own part."""
    return dataclasses.replace(FORM, extra=lambda: {"key": context.sealing_keys.key()})


def show(context: AdminServices) -> str:
    """The key, the rotate button and the switches."""
    return show_form(context, _form(context))


def save(context: AdminServices) -> str:
    """Save the switches, all or nothing."""
    return save_form(context, _form(context))


def rotate(context: AdminServices) -> Any:
    """A new key pair (the form asks for confirmation first)."""
    key = context.sealing_keys.rotate()
    flash(
        f"New sealing key {key.public_key}. Give it to the applications that seal; messages "
        "sealed to the previous key still open until the next rotation."
    )
    return see_other("/sealing")


ROUTES = (
    Route("GET", "/sealing", show),
    Route("POST", "/sealing", save),
    Route("POST", "/sealing/rotate", rotate),
)
