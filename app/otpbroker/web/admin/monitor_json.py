"""What the monitor tells the browser: a finished request, a modem's status and the active
alerts as plain JSON, the machine values (for badge colours) beside the words a person reads
in the current language."""

from __future__ import annotations

from typing import Any

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import _
from otpbroker.web.admin.feeder_status import feeder_json
from otpbroker.web.admin.modem_reasons import sms_path_reason
from otpbroker.web.admin.monitor_words import (
    clock,
    code_label,
    feeder_state_label,
    modem_state_label,
    outcome_label,
    severity_label,
    sms_path_label,
    source_label,
)


def event_json(event: Any, names: dict[str, str], full_recipient: bool = False) -> dict[str, Any]:
    """An ``SmsEvent`` as the browser gets it: no text (the event has none), the number masked
    unless the owner chose to see it whole (``sms.monitor_recipient``)."""
    modem_id = getattr(event, "modem_id", None)
    attempts = [names.get(m, m) for m in getattr(event, "attempts", ()) or ()]
    recipient_full = getattr(event, "recipient_full", "")
    return {
        "id": repr(float(event.at)),
        "at": float(event.at),
        "time": clock(event.at),
        "kind": str(getattr(event, "kind", "sms")),
        "source": str(event.source),
        "source_label": source_label(str(event.source), event.user),
        "user": event.user,
        "recipient": str(recipient_full if full_recipient and recipient_full else event.recipient),
        "modem_id": modem_id,
        "modem": names.get(modem_id, modem_id) if modem_id else None,
        "attempts": attempts,
        "outcome": str(event.outcome),
        "outcome_label": outcome_label(str(event.outcome)),
        "code": str(event.code),
        "code_label": code_label(str(getattr(event, "kind", "sms")), str(event.code)),
        "parts": int(getattr(event, "parts", 0) or 0),
        "duration_ms": round(float(event.duration) * 1000),
        "duration": _("{ms} ms").format(ms=round(float(event.duration) * 1000)),
    }


def modem_json(status: Any, names: dict[str, str]) -> dict[str, Any]:
    """A ``ModemStatus`` as the browser gets it."""
    network = getattr(status, "network", None)
    identity = getattr(status, "identity", None)
    verdict = getattr(status, "sms_path", None)
    model = " ".join(
        part for part in (getattr(identity, "manufacturer", None), getattr(identity, "model", None))
        if part
    )  # fmt: skip
    path = verdict.path.value if verdict is not None else None
    return {
        "modem_id": status.modem_id,
        "name": names.get(status.modem_id, status.modem_id),
        "state": str(status.state),
        "state_label": modem_state_label(str(status.state)),
        "connected": bool(getattr(status, "connected", False)),
        "signal": getattr(network, "signal_percent", None),
        "operator": getattr(network, "operator", None),
        "registration": getattr(network, "registration", None),
        "model": model or None,
        "sms_path": path,
        "sms_path_label": sms_path_label(path),
        "sms_path_reason": sms_path_reason(verdict) if verdict is not None else None,
        "last_error": status.last_error,
    }


def removed_modem_json(seen: dict[str, Any]) -> dict[str, Any]:
    """A modem that is gone: its last status, marked ``removed``."""
    return {**seen, "state": "removed", "state_label": modem_state_label("removed"),
            "connected": False}  # fmt: skip


COUNTS = ("received", "processed", "rejected", "restarts")


def feeder_words(data: dict[str, Any]) -> dict[str, Any]:
    """A feeder's status (``feeder_json``) with its state in words and its counts written for
    the current language (``received_text``...)."""
    counts = {f"{key}_text": format_number(data.get(key) or 0) for key in COUNTS}
    return {**data, **counts, "state_label": feeder_state_label(data.get("state"))}


def feeder_view(status: Any) -> dict[str, Any]:
    """A feeder's status as the monitor page shows it."""
    return feeder_words(feeder_json(status))


def alerts_json(alerts: list[Any]) -> list[dict[str, Any]]:
    """The active alerts as the browser gets them (texts about modems only)."""
    shown = []
    for a in alerts:
        title, text, advice = a.shown()  # in the page's language
        shown.append({"key": a.key, "severity": a.severity,
                      "severity_label": severity_label(a.severity), "title": title,
                      "text": text, "advice": advice, "mail": a.mail,
                      "since": clock(a.raised_at)})  # fmt: skip
    return shown


__all__ = [
    "alerts_json", "event_json", "feeder_view", "feeder_words", "modem_json", "removed_modem_json",
    "source_label",
]  # fmt: skip
