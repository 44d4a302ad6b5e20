"""API setting: REST listeners, paths, request limits and the country code, in one form.

A settings form is saved with one ``update_settings`` call, so it is all or nothing: the
first value the configuration refuses is shown next to its field and nothing is stored.
``SettingsPage`` is shared with the SMS setting page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import flash, render, see_other

Sections = list[tuple[str, list[str]]]

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
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
TRUE_WORDS = ("true", "on", "1", "yes")


def _label(key: str, labels: Mapping[str, str]) -> str:
    return labels.get(key) or key.split(".", 1)[-1].replace("_", " ").capitalize()


def _kind(doc: Mapping[str, Any], current: Any) -> str:
    """``bool``, ``int`` or ``str`` (from the schema, else from the current value)."""
    kind = doc.get("kind")
    if kind in ("bool", "int", "str"):
        return str(kind)
    if isinstance(current, bool):
        return "bool"
    return "int" if isinstance(current, int) else "str"


def _shown(value: Any) -> str:
    """A default as people read it: on/off, numbers as they are, text in quotes."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return f"\u201c{value}\u201d" if value else "empty"
    return str(value)


def _hint(doc: Mapping[str, Any]) -> str:
    """The doc line, the default and the bounds."""
    parts = [str(doc.get("doc") or "").strip()]
    if "default" in doc:
        parts.append(f"Default: {_shown(doc['default'])}.")
    low, high = doc.get("minimum"), doc.get("maximum")
    if low is not None and high is not None:
        parts.append(f"Allowed: {low} to {high}.")
    return " ".join(part for part in parts if part)


def _texts(form: bottle.FormsDict, key: str) -> list[str]:
    """Every value sent for ``key``, decoded as UTF-8 (UnicodeError when it is not)."""
    return [value.encode("latin1").decode("utf-8") for value in form.getall(key)]


def _parse_bool(texts: list[str]) -> bool:
    """A checkbox: its hidden "false" comes first, the box adds "true" when ticked."""
    return any(text.strip().lower() in TRUE_WORDS for text in texts)


def _parse(kind: str, doc: Mapping[str, Any], texts: list[str]) -> Any:
    """The value of one field, or ValueError with the reason (the store checks the rules)."""
    if kind == "bool":
        return _parse_bool(texts)
    text = texts[-1]
    if kind == "int":
        if INTEGER.fullmatch(text.strip()) is None:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise ValueError(f"must be a whole number, got {shown!r}")
        return int(text.strip())
    for choice in doc.get("choices") or ():
        if str(choice) == text:
            return choice
    return text


def _same(left: Any, right: Any) -> bool:
    return type(left) is type(right) and left == right


def _admin_page_at(app: bottle.Bottle, path: str) -> bool:
    """True when ``path`` is a page of this admin (the API would take it over)."""
    if path.startswith("/api/") or path == "/metrics":
        return False
    try:
        app.router.match({"PATH_INFO": path, "REQUEST_METHOD": "GET"})
    except bottle.HTTPError as error:
        return error.status_code != 404
    return True


@dataclass(frozen=True)
class SettingsPage:
    """One page of settings: render the form, parse it, save it all or nothing.

    ``sections(current settings)`` lists ``(legend, [key, ...])``; ``extra()`` adds values
    for the page's own template (which includes ``settings_form.tpl``).
    """

    app: bottle.Bottle
    context: AdminContext
    path: str
    title: str
    template: str
    sections: Callable[[Mapping[str, Any]], Sections]
    labels: Mapping[str, str]
    extra: Callable[[], dict[str, Any]] = dict

    def register(self) -> None:
        """``GET path`` shows the form, ``POST path`` saves it."""
        self.app.get(self.path, callback=lambda: self.page(**self.extra()))
        self.app.post(self.path, callback=lambda: self.save(**self.extra()))

    def page(self, sent: Mapping[str, Any] | None = None,
             errors: dict[str, str] | None = None, **extra: Any) -> str:  # fmt: skip
        current = self.context.repo.settings()
        docs = self.context.setting_docs()
        groups = []
        for title, keys in self.sections(current):
            fields = []
            for key in keys:
                doc = docs.get(key, {})
                kind = _kind(doc, current.get(key))
                value = (sent or {}).get(key, current.get(key))
                fields.append({
                    "key": key, "label": _label(key, self.labels), "kind": kind, "hint": _hint(doc),
                    "value": bool(value) if kind == "bool" else str(value),
                    "choices": [str(c) for c in doc.get("choices") or ()],
                    "minimum": doc.get("minimum"), "maximum": doc.get("maximum"),
                })  # fmt: skip
            groups.append((title, fields))
        return render(self.template, self.title, groups=groups, settings=current,
                      errors=errors or {}, **extra)  # fmt: skip

    def _read(self, keys: list[str], current: Mapping[str, Any]) -> tuple[dict, dict, dict]:
        """``(changes, sent, errors)`` from the POSTed form; absent fields stay unchanged."""
        form = bottle.request.forms
        docs = self.context.setting_docs()
        changes: dict[str, Any] = {}
        sent: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in keys:
            doc = docs.get(key, {})
            kind = _kind(doc, current.get(key))
            try:
                texts = _texts(form, key)
            except UnicodeError:
                errors[key] = "is not valid UTF-8 text"
                continue
            if not texts:
                continue
            sent[key] = _parse_bool(texts) if kind == "bool" else texts[-1]
            try:
                value = _parse(kind, doc, texts)
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            is_path = key.startswith("api.") and key.endswith("_path")
            if is_path and isinstance(value, str) and _admin_page_at(self.app, value):
                errors[key] = (
                    f"{value!r} is a page of this admin; the API would take it over. "
                    "Choose another path, e.g. under /api/"
                )
            elif not _same(value, current.get(key)):
                changes[key] = value
        return changes, sent, errors

    def save(self, **extra: Any) -> str:
        """Handle the POST of the form (303 when saved, 400 with the errors when not)."""
        current = self.context.repo.settings()
        keys = [key for _title, group in self.sections(current) for key in group]
        changes, sent, errors = self._read(keys, current)
        if not errors and changes:
            try:
                self.context.repo.update_settings(changes)
            except ValueError as exc:
                key = str(getattr(exc, "key", "") or "")
                rule = str(getattr(exc, "rule", "") or exc)
                errors[key if key in keys else "_form"] = rule if key in keys else str(exc)
        if errors:
            bottle.response.status = 400
            refused = ", ".join(_label(key, self.labels) for key in errors if key != "_form")
            if refused:  # shown at the top: on a phone the field may be far down
                errors.setdefault("_form", f"Nothing was saved. Please correct: {refused}.")
            return self.page(sent, errors, **extra)
        if changes:
            names = ", ".join(_label(key, self.labels) for key in changes)
            flash(f"Saved: {names}.")
        else:
            flash("Nothing changed.")
        raise see_other(self.path)


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


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/api-settings``."""
    SettingsPage(app, context, "/api-settings", "API setting", "api_settings", api_sections,
                 LABELS, _listener).register()  # fmt: skip
