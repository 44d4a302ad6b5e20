"""Sealed messages: the device's public key, its rotation, and where sealing is required.

The key is what applications seal ``send-sms`` / ``send-mail`` texts to (docs/api.md,
"Sealed messages"); rotating it keeps the previous private key until the next rotation. The
two ``sealing.*`` switches are saved all or nothing, like every settings form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from otpbroker.i18n.translate import N_, _
from otpbroker.web.admin.render import flash, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

SECTIONS = (
    (N_("Require sealed messages"), ("sealing.required_on_api", "sealing.required_on_feeders")),
)
LABELS = {
    "sealing.required_on_api": N_("On the REST API"),
    "sealing.required_on_feeders": N_("On the feeders (RabbitMQ, MQTT, WebSocket)"),
}


def _sections(current: Mapping[str, Any]) -> Sections:
    return [(_(title), [key for key in keys if key in current]) for title, keys in SECTIONS]


FORM = SettingsForm("/sealing", N_("Sealed messages"), "sealing", _sections, LABELS)


def _form(context: AdminServices) -> SettingsForm:
    """The form in the page's language, with the current key for the page's own part."""
    labels = {key: _(label) for key, label in LABELS.items()}
    return dataclasses.replace(FORM, title=_(FORM.title), labels=labels,
                               extra=lambda: {"key": context.sealing_keys.key()})  # fmt: skip


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
        _("New sealing key {key}. Give it to the applications that seal; messages sealed to "
          "the previous key still open until the next rotation.").format(key=key.public_key)
    )  # fmt: skip
    return see_other("/sealing")


ROUTES = (
    Route("GET", "/sealing", show),
    Route("POST", "/sealing", save),
    Route("POST", "/sealing/rotate", rotate),
)
