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


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/feeders`` and ``/admin-api/feeders``."""

    def docs() -> dict[str, dict[str, Any]]:
        describe = getattr(context, "setting_docs", None)
        try:
            return dict(describe()) if callable(describe) else {}
        except Exception:  # only hints come from there: the page works without them
            return {}

    def stored(name: str) -> dict[str, Any]:
        """The feeder's settings, without the prefix (secrets included: server side only)."""
        prefix = _prefix(name)
        return {k[len(prefix) :]: v for k, v in context.repo.settings().items()
                if k.startswith(prefix)}  # fmt: skip

    def read_form(name: str) -> tuple[dict[str, Any], dict[str, str]]:
        """Typed values of the posted form (password blank = left out) and type errors."""
        form = bottle.request.forms
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for field, current in stored(name).items():
            key = _prefix(name) + field
            if isinstance(current, bool):
                values[field] = form.getunicode(key) is not None
                continue
            text = form.getunicode(key, default="") or ""
            if field in SECRET_FIELDS:
                if text:
                    values[field] = text
                elif form.getunicode(f"{key}.clear") is not None:
                    values[field] = ""  # "remove the stored password" was ticked
                continue
            text = text.strip()
            if isinstance(current, int):
                try:
                    values[field] = int(text)
                except ValueError:
                    errors[key] = f"must be a whole number, got {text[:20]!r}"
                    values[field] = text
                continue
            values[field] = text
        return values, errors

    def sections(
        forms: Mapping[str, Mapping[str, Any]], results: Mapping[str, tuple[bool, str]]
    ) -> list[dict[str, Any]]:
        described = docs()
        statuses = {}
        for status in context.feeder_statuses():
            data = _status_json(status)
            statuses[data["name"]] = data
        out = []
        for name, label in FEEDERS:
            current = stored(name)
            shown = {**current, **forms.get(name, {})}
            fields = []
            for field, value in current.items():
                key = _prefix(name) + field
                kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) \
                    else "str"  # fmt: skip
                doc = described.get(key, {})
                fields.append({
                    "key": key,
                    "field": field,
                    "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                    "kind": kind,
                    "secret": field in SECRET_FIELDS,
                    "value": "" if field in SECRET_FIELDS else shown.get(field, value),
                    "is_set": bool(value) if field in SECRET_FIELDS else None,
                    "hint": str(doc.get("doc") or ""),
                    "minimum": doc.get("minimum"),
                    "maximum": doc.get("maximum"),
                })  # fmt: skip
            status = statuses.get(name, {"name": name, "label": label, "state": "unknown"})
            out.append({"name": name, "label": label, "fields": fields, "status": status,
                        "result": results.get(name)})  # fmt: skip
        return out

    def page(errors: dict[str, str] | None = None,
             forms: Mapping[str, Mapping[str, Any]] | None = None,
             results: Mapping[str, tuple[bool, str]] | None = None) -> str:  # fmt: skip
        return render("feeders", "Feeders", feeders=sections(forms or {}, results or {}),
                      errors=errors or {}, scripts=["/static/feeders.js"])  # fmt: skip

    @app.get("/feeders")
    def show() -> str:
        return page()

    @app.post("/feeders/<name:re:rabbitmq|ws|mqtt>")
    def save(name: str) -> str:
        values, errors = read_form(name)
        if not errors:
            try:
                context.repo.update_settings({_prefix(name) + k: v for k, v in values.items()})
            except ValueError as exc:
                key = str(getattr(exc, "key", "") or "")
                rule = str(getattr(exc, "rule", "") or exc)
                errors = {key if key.startswith(_prefix(name)) else "_form": rule}
        if errors:
            bottle.response.status = 400
            return page(errors, {name: values})
        flash(f"{LABELS[name]} settings saved; the feeder restarts with them.")
        raise see_other(f"/feeders#feeder-{name}")

    @app.post("/feeders/<name:re:rabbitmq|ws|mqtt>/test")
    def test(name: str) -> str:
        values, errors = read_form(name)
        if errors:
            bottle.response.status = 400
            return page(errors, {name: values})
        probe = context.feeder_probes.get(name)
        current = stored(name)
        settings = {**current, **values}
        if probe is None:
            result = (False, "connection tests are not available in this build")
        else:
            try:
                error = probe(settings, timeout=PROBE_TIMEOUT)
            except Exception as exc:  # a probe must not raise; show it rather than a 500
                error = f"{type(exc).__name__}: {exc}"
            secrets = [str(v) for k, v in settings.items() if k in SECRET_FIELDS and v]
            result = (True, "connected") if error is None else (False, _scrub(error, secrets))
            if values.get("password"):
                note = " (type the password again to save it: it is never sent back to the browser)"
                result = (result[0], result[1] + note)
        return page(forms={name: values}, results={name: result})

    @app.get("/admin-api/feeders")
    def statuses() -> str:
        bottle.response.content_type = "application/json"
        return json.dumps({"feeders": [_status_json(s) for s in context.feeder_statuses()]})
