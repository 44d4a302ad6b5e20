"""Settings fields in admin forms: labels, hints, the posted text and the value it means.

Shared by the pages whose forms edit settings (API and SMS setting through
``settings_form``, Network with its own list and password fields). The configuration checks
the rules; these helpers only turn form text into a value of the setting's kind and back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _

INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
LIST_SPLIT = re.compile(r"[\s,]+")  # a list setting is typed as items between commas/spaces
TRUE_WORDS = ("true", "on", "1", "yes")
NOT_UTF8 = N_("is not valid UTF-8 text")
#: Names people read for choice values that are words (the values stay in the form and the
#: configuration; technical ones such as DEBUG, dhcp or quorum are shown as they are).
CHOICE_NAMES: dict[str, str] = {
    "": N_("not chosen yet"),
    "en": "English",
    "id": "Bahasa Indonesia",
    "masked": N_("masked"),
    "full": N_("full"),
    "otp": N_("otp"),
    "bulk": N_("bulk"),
    "always": N_("always"),
    "standby": N_("standby"),
    "static": N_("static"),
}


def label(key: str, labels: Mapping[str, str]) -> str:
    """The field's label in the current language: from ``labels`` (marked with ``N_``), else
    made from the key (``api.http_port`` -> ``Http port``)."""
    if labels.get(key):
        return _(labels[key])
    return key.split(".", 1)[-1].replace("_", " ").capitalize()


def not_utf8() -> str:
    """The refusal of a field whose text is not UTF-8, in the current language."""
    return _(NOT_UTF8)


def choice_name(choice: Any) -> str:
    """A choice as people read it (translated when it is a word), its value otherwise."""
    text = str(choice)
    name = CHOICE_NAMES.get(text)
    return _(name) if name else text


def kind_of(doc: Mapping[str, Any], current: Any) -> str:
    """``bool``, ``int``, ``str`` or ``list`` (from the schema, else from the current value)."""
    kind = doc.get("kind")
    if kind in ("bool", "int", "str", "list"):
        return str(kind)
    if isinstance(current, bool):
        return "bool"
    return "int" if isinstance(current, int) else "str"


def shown_default(value: Any) -> str:
    """A default as people read it: on/off, numbers as they are, text in quotes, a list as
    its items."""
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or _("empty")
    if isinstance(value, str):
        return f"\u201c{value}\u201d" if value else _("empty")
    return str(value)


def hint(doc: Mapping[str, Any]) -> str:
    """The doc line (translated by the configuration's ``setting_docs``), the default and the
    bounds, in the current language."""
    parts = [str(doc.get("doc") or "").strip()]
    if "default" in doc:
        parts.append(_("Default: {value}.").format(value=shown_default(doc["default"])))
    low, high = doc.get("minimum"), doc.get("maximum")
    if low is not None and high is not None:
        parts.append(_("Allowed: {low} to {high}.").format(low=low, high=high))
    return " ".join(part for part in parts if part)


def field_view(key: str, name: str, kind: str, help_text: str, value: Any,
               doc: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One field as ``settings_form.tpl`` shows it (``choice_names``: value -> name shown)."""
    choices = [str(c) for c in doc.get("choices") or ()]
    return {
        "key": key, "label": name, "kind": kind, "hint": help_text,
        "value": bool(value) if kind == "bool" else _text(value),
        "choices": choices, "choice_names": {c: choice_name(c) for c in choices},
        "minimum": doc.get("minimum"), "maximum": doc.get("maximum"),
    }  # fmt: skip


def _text(value: Any) -> str:
    """A value as a text field shows it (a list as its items between commas)."""
    return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)


def texts(form: bottle.FormsDict, key: str) -> list[str]:
    """Every value sent for ``key``, decoded as UTF-8 (UnicodeError when it is not)."""
    return [value.encode("latin1").decode("utf-8") for value in form.getall(key)]


def parse_bool(sent: list[str]) -> bool:
    """A checkbox: its hidden "false" comes first, the box adds "true" when ticked."""
    return any(text.strip().lower() in TRUE_WORDS for text in sent)


def parse_value(kind: str, doc: Mapping[str, Any], sent: list[str]) -> Any:
    """The value of one field, or ValueError with the reason (the store checks the rules)."""
    if kind == "bool":
        return parse_bool(sent)
    text = sent[-1]
    if kind == "list":
        return [item for item in LIST_SPLIT.split(text.strip()) if item]
    if kind == "int":
        if INTEGER.fullmatch(text.strip()) is None:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise ValueError(_("must be a whole number, got {value}").format(value=repr(shown)))
        return int(text.strip())
    for choice in doc.get("choices") or ():
        if str(choice) == text:
            return choice
    return text


def same(left: Any, right: Any) -> bool:
    """Equal and of the same type (``1`` is not ``True``)."""
    return type(left) is type(right) and left == right


def store_refusal(exc: Exception, keys: list[str], errors: dict[str, str]) -> None:
    """Put the configuration's refusal next to its field (``_form`` for another key)."""
    key = str(getattr(exc, "key", "") or "")
    rule = str(getattr(exc, "rule", "") or exc)
    errors[key if key in keys else "_form"] = rule if key in keys else str(exc)


def summarise(errors: dict[str, str], name: Callable[[str], str]) -> None:
    """Add the list of refused fields at the top (on a phone the field may be far down)."""
    refused = ", ".join(name(key) for key in errors if key != "_form")
    if refused:
        message = _("Nothing was saved. Please correct: {fields}.")
        errors.setdefault("_form", message.format(fields=refused))
