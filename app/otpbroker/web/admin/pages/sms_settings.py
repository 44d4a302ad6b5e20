"""SMS setting: how sending behaves (time-outs, retries, parts, logs, monitor) and generated OTPs.

Every ``sms.*`` and ``otp.*`` setting, in one all-or-nothing form like the API setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.i18n.translate import N_
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

SHOWN = ("sms.log_level", "sms.monitor_recipient")
LABELS = {
    "sms.dedup_window_seconds": N_("Duplicate window (seconds)"),
    "sms.max_parts": N_("Most parts per message"),
    "sms.prompt_timeout_seconds": N_("Prompt time-out (seconds)"),
    "sms.result_timeout_seconds": N_("Result time-out (seconds)"),
    "sms.queue_timeout_seconds": N_("Queue time-out (seconds)"),
    "sms.stop_timeout_seconds": N_("Stop time-out (seconds)"),
    "sms.default_ttl_seconds": N_("Default message expiry (seconds)"),
    "sms.max_attempts": N_("Modems tried per message"),
    "sms.validity_minutes": N_("Validity period (minutes)"),
    "sms.quota_reset_time": N_("SIM caps reset at (local HH:MM)"),
    "sms.otp_bypass_gap": N_("OTPs skip the SIM's gap between sends"),
    "sms.status_reports": N_("Request delivery reports"),
    "sms.use_cmms": N_("Keep the relay link open for bursts"),
    "sms.log_level": N_("Log level"),
    "sms.monitor_recipient": N_("Recipients in the monitor"),
    "otp.digits": N_("OTP digits"),
    "otp.ttl_seconds": N_("OTP lifetime (seconds)"),
    "otp.max_attempts": N_("Wrong attempts allowed"),
    "otp.template": N_("SMS text"),
    "otp.domain": N_("Autofill site (@domain #code line)"),
    "otp.iframe_domain": N_("Autofill iframe site"),
    "otp.app_hash": N_("Android app hash (SMS Retriever)"),
}


def sms_sections(current: Mapping[str, Any]) -> Sections:
    """Every ``sms.*`` and ``otp.*`` key, in schema order, in three groups."""
    sms = [key for key in current if key.startswith("sms.")]
    return [
        (N_("Sending"), [key for key in sms if key not in SHOWN]),
        (N_("Logs and monitor"), [key for key in sms if key in SHOWN]),
        (
            N_("Generated OTP (request-otp / verify-otp)"),
            [k for k in current if k.startswith("otp.")],
        ),
    ]


FORM = SettingsForm("/sms-settings", N_("SMS setting"), "sms_settings", sms_sections, LABELS)


def show(context: AdminServices) -> str:
    """The SMS setting form."""
    return show_form(context, FORM)


def save(context: AdminServices) -> str:
    """Save the SMS and OTP settings, all or nothing."""
    return save_form(context, FORM)


ROUTES = (
    Route("GET", "/sms-settings", show),
    Route("POST", "/sms-settings", save),
)
