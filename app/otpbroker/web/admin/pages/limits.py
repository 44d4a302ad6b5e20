"""Sending limits: the ``limits.*`` settings against SMS pumping, in one all-or-nothing form.

Rate limits per number, per number prefix and per API user or feeder, and the allow/deny
lists of country codes and prefixes (``services.send_limits`` applies them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.i18n.translate import N_
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

LIST_KEYS = ("limits.allowed_countries", "limits.allowed_prefixes", "limits.denied_prefixes")
LABELS = {
    "limits.recipient_per_hour": N_("Per number, per hour"),
    "limits.recipient_per_day": N_("Per number, per day"),
    "limits.prefix_digits": N_("Digits dropped to make a prefix"),
    "limits.prefix_per_hour": N_("Per prefix, per hour"),
    "limits.user_per_minute": N_("Per API user or feeder, per minute"),
    "limits.user_per_hour": N_("Per API user or feeder, per hour"),
    "limits.allowed_countries": N_("Allowed country codes"),
    "limits.allowed_prefixes": N_("Allowed prefixes"),
    "limits.denied_prefixes": N_("Denied prefixes"),
}


def limits_sections(current: Mapping[str, Any]) -> Sections:
    """Every ``limits.*`` key, in schema order: the rate limits, then the lists."""
    keys = [key for key in current if key.startswith("limits.")]
    return [
        (N_("Rate limits (messages accepted; 0 = no limit)"),
         [k for k in keys if k not in LIST_KEYS]),
        (N_("Destinations (digits in international form, between commas)"),
         [k for k in keys if k in LIST_KEYS]),
    ]  # fmt: skip


FORM = SettingsForm("/limits", N_("Sending limits"), "limits", limits_sections, LABELS)


def show(context: AdminServices) -> str:
    """The sending limits form."""
    return show_form(context, FORM)


def save(context: AdminServices) -> str:
    """Save the sending limits, all or nothing."""
    return save_form(context, FORM)


ROUTES = (
    Route("GET", "/limits", show),
    Route("POST", "/limits", save),
)
