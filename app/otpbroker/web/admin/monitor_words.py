"""The words the monitor shows for machine values: outcomes, modem and feeder states, SMS
paths and request sources, in the current language.

The machine value stays in the JSON and the page (badge colours, filters, tests read it);
each ``*_label`` function gives what a person reads. An unknown value is shown as it is.
"""

from __future__ import annotations

from datetime import datetime

from otpbroker.i18n.formats import format_datetime
from otpbroker.i18n.translate import N_, _

#: What became of a request (``SmsEvent.outcome``).
OUTCOMES = {
    "sent": N_("sent"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
    "expired": N_("expired"),
    "duplicate": N_("duplicate"),
    "rejected": N_("rejected"),
    "refused": N_("refused"),
    "login_failed": N_("login failed"),
    "throttled": N_("throttled"),
    "received": N_("received"),
    "started": N_("started"),
    "restarted": N_("restarted"),
    "stopped": N_("stopped"),
}
#: Every state a modem can be in (``domain.modem_states``), and two of the admin's own.
MODEM_STATES = {
    "ready": N_("ready"),
    "connecting": N_("connecting"),
    "disconnected": N_("disconnected"),
    "recovering": N_("recovering"),
    "dead": N_("dead"),
    "pin_required": N_("PIN required"),
    "pin_rejected": N_("PIN rejected"),
    "pin_unconfirmed": N_("PIN unconfirmed"),
    "pin_low_tries": N_("few PIN tries left"),
    "puk_required": N_("PUK required"),
    "no_sim": N_("no SIM card"),
    "sim_error": N_("SIM card error"),
    "stopped": N_("stopped"),
    "unplugged": N_("unplugged"),
    "removed": N_("removed"),
    "not running": N_("not running"),
}
#: A feeder's state (``feeders.base``).
FEEDER_STATES = {
    "connected": N_("connected"),
    "connecting": N_("connecting"),
    "disconnected": N_("disconnected"),
    "disabled": N_("disabled"),
    "error": N_("error"),
    "stopped": N_("stopped"),
    "unknown": N_("unknown"),
}
#: The way an SMS leaves a modem (``domain.sms_path``): the network's names stay as they are.
SMS_PATHS = {
    "cs": "CS",
    "sgs": "SGs",
    "ims": "IMS",
    "ps": "PS",
    "none": N_("none"),
    "unknown": N_("unknown"),
}
#: Where a request came from; the protocol names stay as they are.
SOURCES = {
    "rest": "REST",
    "rabbitmq": "RabbitMQ",
    "amqp": "RabbitMQ",
    "ws": "WebSocket",
    "mqtt": "MQTT",
    "admin": N_("manual"),
    "manual": N_("manual"),
    "cli": N_("command line"),
}
#: Why a feeder started, restarted or stopped (``feeders.manager``), and an inbound SMS's
#: note: shown after the outcome in the place of an error code.
REASONS = {
    "settings changed": N_("settings changed"),
    "enabled": N_("enabled"),
    "disabled": N_("disabled"),
    "partial": N_("partial"),
}
#: An alert's severity (the badge's word).
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


def worded(table: dict[str, str], value: object) -> str:
    """``value`` (a state, reason or outcome) from ``table`` in the current language; a value
    the table does not know as it is."""
    text = "" if value is None else str(value)
    return _(table[text]) if text in table else text


def outcome_label(outcome: str) -> str:
    """``sent``, ``terkirim``..."""
    return worded(OUTCOMES, outcome)


def modem_state_label(state: str) -> str:
    """A modem's state as a person reads it."""
    return worded(MODEM_STATES, state)


def feeder_state_label(state: object) -> str:
    """A feeder's state as a person reads it."""
    return worded(FEEDER_STATES, state)


def sms_path_label(path: str | None) -> str | None:
    """The SMS path's name (None when the modem gave no verdict)."""
    return worded(SMS_PATHS, path) if path else None


def code_label(kind: str, code: str) -> str:
    """The note after an outcome: a feeder's or inbound SMS's reason in words, else the code."""
    return worded(REASONS, code) if kind in ("feeder", "inbound") else code


def severity_label(severity: str) -> str:
    """``error`` or ``warning`` in the current language."""
    return worded(SEVERITIES, severity)


def source_label(source: str, user: str | None) -> str:
    """``REST user app``, ``RabbitMQ``, ``manual by owner``..."""
    known = SOURCES.get(source)
    if user and source == "rest":
        return _("REST user {user}").format(user=user)
    if user and source in ("admin", "manual"):
        return _("manual by {user}").format(user=user)
    if known is None:
        return source or "?"
    return worded(SOURCES, source)


def clock(at: float) -> str:
    """An epoch time as local date and time, written for the current language."""
    return format_datetime(datetime.fromtimestamp(at).astimezone())


__all__ = [
    "FEEDER_STATES",
    "MODEM_STATES",
    "OUTCOMES",
    "SMS_PATHS",
    "SOURCES",
    "clock",
    "code_label",
    "feeder_state_label",
    "modem_state_label",
    "outcome_label",
    "severity_label",
    "sms_path_label",
    "source_label",
    "worded",
]  # fmt: skip
