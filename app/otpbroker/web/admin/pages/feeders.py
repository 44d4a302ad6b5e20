"""Feeders: the RabbitMQ, WSMessageBroker and MQTT consumers' settings, status and a test.

Every ``feeders.<name>.*`` setting is shown in the feeder's own form. Saving stores them
through the repository; the broker restarts the feeder by itself. **Test connection** tries
the values in the form (saved or not) once with a short time-out, through the probe the
composition root passed in (``context.feeder_probes``). Passwords are never sent back: a
blank password field keeps the stored one, for saving and for testing alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route

FEEDERS: tuple[tuple[str, str], ...] = (
    ("rabbitmq", "RabbitMQ"),
    ("ws", "WSMessageBroker"),
    ("mqtt", "MQTT"),
)
LABELS = dict(FEEDERS)
FIELD_LABELS = {
    "enabled": "Enabled",
    "host": "Server",
    "port": "Port",
    "tls": "TLS",
    "username": "User name",
    "password": "Password",
    "queue": "Queue",
    "vhost": "Virtual host",
    "prefetch": "Prefetch",
    "url": "URL",
    "channel": "Channel",
    "topic": "Topic",
    "client_id": "Client id",
}
SECRET_FIELDS = ("password",)
PROBE_TIMEOUT = 5.0
STATUS_FIELDS = ("state", "last_error", "received", "processed", "rejected", "reconnects")


def _prefix(name: str) -> str:
    return f"feeders.{name}."


def _status_json(status: Any) -> dict[str, Any]:
    """A FeederStatus as plain JSON values (no message text is in it)."""
    data = asdict(status) if is_dataclass(status) and not isinstance(status, type) else {}
    name = str(data.get("name") or getattr(status, "name", ""))
    result: dict[str, Any] = {"name": name, "label": LABELS.get(name, name)}
    for key in (*STATUS_FIELDS, "connected_since"):
        result[key] = data.get(key, getattr(status, key, None))
    return result


def _scrub(text: str, secrets: list[str]) -> str:
    """Hide a password should an error text ever quote it."""
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, "<hidden>")
    return text


def _docs(context: AdminContext) -> dict[str, dict[str, Any]]:
    """The settings' documentation (bounds and hints) by key; empty when unavailable."""
    describe = getattr(context, "setting_docs", None)
    try:
        return dict(describe()) if callable(describe) else {}
    except Exception:  # only hints come from there: the page works without them
        return {}


def _stored(context: AdminContext, name: str) -> dict[str, Any]:
    """The feeder's settings, without the prefix (secrets included: server side only)."""
    prefix = _prefix(name)
    return {k[len(prefix) :]: v for k, v in context.repo.settings().items()
            if k.startswith(prefix)}  # fmt: skip


def _typed(current: Any, text: str) -> Any:
    """``text`` as the stored value's type (int or str); ValueError for a bad number."""
    text = text.strip()
    return int(text) if isinstance(current, int) else text


def _read_form(context: AdminContext, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the posted form (password blank = left out) and type errors."""
    form = bottle.request.forms
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, current in _stored(context, name).items():
        key = _prefix(name) + field
        text = form.getunicode(key, default="") or ""
        if isinstance(current, bool):
            values[field] = form.getunicode(key) is not None
        elif field in SECRET_FIELDS:
            if text:
                values[field] = text
            elif form.getunicode(f"{key}.clear") is not None:
                values[field] = ""  # "remove the stored password" was ticked
        else:
            try:
                values[field] = _typed(current, text)
            except ValueError:
                errors[key] = f"must be a whole number, got {text.strip()[:20]!r}"
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
        "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
        "kind": kind,
        "secret": secret,
        "value": "" if secret else shown,
        "is_set": bool(value) if secret else None,
        "hint": str(doc.get("doc") or ""),
        "minimum": doc.get("minimum"),
        "maximum": doc.get("maximum"),
    }


def _sections(
    context: AdminContext,
    forms: Mapping[str, Mapping[str, Any]],
    results: Mapping[str, tuple[bool, str]],
) -> list[dict[str, Any]]:
    """Each feeder's form (stored values, or those just posted), status and test result."""
    described = _docs(context)
    statuses = {data["name"]: data for data in map(_status_json, context.feeder_statuses())}
    out = []
    for name, label in FEEDERS:
        current = _stored(context, name)
        shown = {**current, **forms.get(name, {})}
        fields = [
            _field_view(_prefix(name) + field, field, value, shown.get(field, value),
                        described.get(_prefix(name) + field, {}))
            for field, value in current.items()
        ]  # fmt: skip
        status = statuses.get(name, {"name": name, "label": label, "state": "unknown"})
        out.append({"name": name, "label": label, "fields": fields, "status": status,
                    "result": results.get(name)})  # fmt: skip
    return out


def _page(context: AdminContext, errors: dict[str, str] | None = None,
          forms: Mapping[str, Mapping[str, Any]] | None = None,
          results: Mapping[str, tuple[bool, str]] | None = None) -> str:  # fmt: skip
    return render("feeders", "Feeders", feeders=_sections(context, forms or {}, results or {}),
                  errors=errors or {}, scripts=["/static/feeders.js"])  # fmt: skip


def _probe(context: AdminContext, name: str, values: dict[str, Any]) -> tuple[bool, str]:
    """Try the settings once (stored ones completed by the form): (connected, what to show)."""
    probe = context.feeder_probes.get(name)
    if probe is None:
        return (False, "connection tests are not available in this build")
    settings = {**_stored(context, name), **values}
    try:
        error = probe(settings, timeout=PROBE_TIMEOUT)
    except Exception as exc:  # a probe must not raise; show it rather than a 500
        error = f"{type(exc).__name__}: {exc}"
    secrets = [str(v) for k, v in settings.items() if k in SECRET_FIELDS and v]
    result = (True, "connected") if error is None else (False, _scrub(error, secrets))
    if values.get("password"):
        note = " (type the password again to save it: it is never sent back to the browser)"
        result = (result[0], result[1] + note)
    return result


def show(context: AdminContext) -> str:
    """Every feeder's settings and status."""
    return _page(context)


def save(context: AdminContext, name: str) -> str:
    """Store a feeder's settings; the broker restarts the feeder with them."""
    values, errors = _read_form(context, name)
    if not errors:
        try:
            context.repo.update_settings({_prefix(name) + k: v for k, v in values.items()})
        except ValueError as exc:
            key = str(getattr(exc, "key", "") or "")
            rule = str(getattr(exc, "rule", "") or exc)
            errors = {key if key.startswith(_prefix(name)) else "_form": rule}
    if errors:
        bottle.response.status = 400
        return _page(context, errors, {name: values})
    flash(f"{LABELS[name]} settings saved; the feeder restarts with them.")
    raise see_other(f"/feeders#feeder-{name}")


def try_connection(context: AdminContext, name: str) -> str:
    """Connect once with the form's values (saved or not) and show the result."""
    values, errors = _read_form(context, name)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, {name: values})
    result = _probe(context, name, values)
    return _page(context, forms={name: values}, results={name: result})


def statuses(context: AdminContext) -> str:
    """Every feeder's status as JSON (for the page's live refresh)."""
    bottle.response.content_type = "application/json"
    return json.dumps({"feeders": [_status_json(s) for s in context.feeder_statuses()]})


ROUTES = (
    Route("GET", "/feeders", show),
    Route("POST", "/feeders/<name:re:rabbitmq|ws|mqtt>", save),
    Route("POST", "/feeders/<name:re:rabbitmq|ws|mqtt>/test", try_connection),
    Route("GET", "/admin-api/feeders", statuses),
)
