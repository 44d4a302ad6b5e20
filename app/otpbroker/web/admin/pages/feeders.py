"""Feeders: the RabbitMQ, WSMessageBroker and MQTT consumers' settings, status and a test.

Every ``feeders.<name>.*`` setting is shown in the feeder's own form. Saving stores them
through the feeder settings service (``services/feeder_settings.py``); the broker restarts
the feeder by itself. **Test connection** tries the values in the form (saved or not) once
with a short time-out, through the same service. Passwords are never sent back: a blank
password field keeps the stored one, for saving and for testing alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.feeder_settings import SECRET_FIELDS, prefix
from otpbroker.services.settings import SettingsRefused
from otpbroker.web.admin.feeder_names import FEEDERS, LABELS
from otpbroker.web.admin.feeder_status import feeder_json
from otpbroker.web.admin.forms import choice_name
from otpbroker.web.admin.monitor_words import feeder_state_label
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

FIELD_LABELS = {
    "enabled": N_("Enabled"),
    "host": N_("Server"),
    "port": N_("Port"),
    "tls": N_("TLS"),
    "username": N_("User name"),
    "password": N_("Password"),
    "queue": N_("Queue"),
    "vhost": N_("Virtual host"),
    "prefetch": N_("Prefetch"),
    "url": N_("URL"),
    "channel": N_("Channel"),
    "topic": N_("Topic"),
    "client_id": N_("Client id"),
    "protocol": N_("MQTT version"),
    "default_ttl_seconds": N_("Default TTL (seconds)"),
    "default_priority": N_("Default priority"),
    "route_classes": N_("Route classes (comma between classes)"),
}


def _typed(current: Any, text: str) -> Any:
    """``text`` as the stored value's type (int, list of comma-separated items, or str);
    ValueError for a bad number."""
    text = text.strip()
    if isinstance(current, list):
        return [item.strip() for item in text.split(",") if item.strip()]
    return int(text) if isinstance(current, int) else text


def _read_form(context: AdminServices, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the posted form (password blank = left out) and type errors."""
    form = bottle.request.forms
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, current in context.feeder_settings.stored(name).items():
        key = prefix(name) + field
        text = form.getunicode(key, default="") or ""
        if isinstance(current, bool):
            values[field] = form.getunicode(key) is not None
        elif key not in form:
            continue  # not in the form at all: the stored value stays
        elif field in SECRET_FIELDS:
            if text:
                values[field] = text
            elif form.getunicode(f"{key}.clear") is not None:
                values[field] = ""  # "remove the stored password" was ticked
        else:
            try:
                values[field] = _typed(current, text)
            except ValueError:
                message = _("must be a whole number, got {value}")
                errors[key] = message.format(value=repr(text.strip()[:20]))
                values[field] = text.strip()
    return values, errors


def _field_view(
    key: str, field: str, value: Any, shown: Any, doc: Mapping[str, Any]
) -> dict[str, Any]:
    """One input of a feeder's form (a secret is never shown, only whether it is set)."""
    kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"
    secret = field in SECRET_FIELDS
    return {
        "key": key,
        "field": field,
        "label": _(FIELD_LABELS[field])
        if field in FIELD_LABELS
        else field.replace("_", " ").capitalize(),
        "kind": kind,
        "secret": secret,
        "value": "" if secret else ", ".join(shown) if isinstance(shown, list) else shown,
        "is_set": bool(value) if secret else None,
        "hint": str(doc.get("doc") or ""),
        "minimum": doc.get("minimum"),
        "maximum": doc.get("maximum"),
        "choices": [str(choice) for choice in doc.get("choices") or ()],
        "choice_names": {str(c): choice_name(c) for c in doc.get("choices") or ()},
    }


def _sections(
    context: AdminServices,
    forms: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, tuple[bool, str]],
) -> list[dict[str, Any]]:
    """Each feeder's form (stored values, or those just posted), status and test result."""
    service = context.feeder_settings
    described = service.docs()
    statuses = {data["name"]: data for data in map(feeder_json, service.statuses())}
    out = []
    for name, label in FEEDERS:
        current = service.stored(name)
        shown = {**current, **forms.get(name, {})}
        fields = [
            _field_view(prefix(name) + field, field, value, shown.get(field, value),
                        described.get(prefix(name) + field, {}))
            for field, value in current.items()
        ]  # fmt: skip
        status = statuses.get(name, {"name": name, "label": label, "state": "unknown"})
        status = {**status, "state_name": feeder_state_label(status.get("state"))}
        out.append({"name": name, "label": label, "fields": fields, "status": status,
                    "result": results.get(name)})  # fmt: skip
    return out


def _page(context: AdminServices, errors: dict[str, str] | None = None,
          forms: Mapping[str, Mapping[str, Any]] | None = None,
          results: Mapping[str, tuple[bool, str]] | None = None) -> str:  # fmt: skip
    return render("feeders", _("Feeders"), feeders=_sections(context, forms or {}, results or {}),
                  errors=errors or {}, scripts=["/static/feeders.js"])  # fmt: skip


def show(context: AdminServices) -> str:
    """Every feeder's settings and status."""
    return _page(context)


def save(context: AdminServices, name: str) -> str:
    """Store a feeder's settings; the broker restarts the feeder with them."""
    values, errors = _read_form(context, name)
    if not errors:
        try:
            context.feeder_settings.save(name, values)
        except SettingsRefused as exc:
            errors = {exc.key if exc.key.startswith(prefix(name)) else "_form": exc.rule}
    if errors:
        bottle.response.status = 400
        return _page(context, errors, {name: values})
    flash(_("{feeder} settings saved; the feeder restarts with them.").format(feeder=LABELS[name]))
    raise see_other(f"/feeders#feeder-{name}")


def try_connection(context: AdminServices, name: str) -> str:
    """Connect once with the form's values (saved or not) and show the result."""
    values, errors = _read_form(context, name)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, {name: values})
    result = context.feeder_settings.test(name, values)
    return _page(context, forms={name: values}, results={name: result})


def statuses(context: AdminServices) -> str:
    """Every feeder's status as JSON (for the page's live refresh)."""
    bottle.response.content_type = "application/json"
    statuses = context.feeder_settings.statuses()
    return json.dumps({"feeders": [feeder_json(s) for s in statuses]})


ROUTES = (
    Route("GET", "/feeders", show),
    Route("POST", "/feeders/<name:re:rabbitmq|ws|mqtt>", save),
    Route("POST", "/feeders/<name:re:rabbitmq|ws|mqtt>/test", try_connection),
    Route("GET", "/admin-api/feeders", statuses),
)
