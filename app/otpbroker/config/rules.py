"""The rules a value must follow (type, bounds, choices, pattern, no control characters).

One :class:`Setting` describes a setting or a record field; :func:`check_value` and
:func:`parse_text` are the single place where values are validated and parsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otpbroker.config.errors import ConfigError
from otpbroker.i18n.translate import _

Check = Callable[[Any], str | None]

KIND_NAMES: dict[type, str] = {bool: "bool", int: "int", str: "str", list: "list"}


@dataclass(frozen=True)
class Setting:
    """One setting (or record field) and the rules its value must follow.

    For ``list`` settings the items are strings: ``pattern`` applies to each item and
    ``max_length`` to the number of items. ``rule`` words ``pattern``/``check`` for people.
    ``doc`` and ``rule`` are English (the generated docs); ``doc_text``/``rule_text`` give
    them in the current language. A ``doc`` made by ``templated_doc`` keeps its template.
    """

    key: str
    kind: type
    default: Any
    doc: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    rule: str = ""
    min_length: int = 0
    max_length: int | None = None
    check: Check | None = None
    secret: bool = False
    required: bool = False
    doc_template: str = ""
    doc_values: tuple[tuple[str, str], ...] = ()

    @property
    def kind_name(self) -> str:
        """``bool``, ``int``, ``str`` or ``list``."""
        return KIND_NAMES[self.kind]


def templated_doc(template: str, **values: str) -> dict[str, Any]:
    """``doc`` from a template marked with ``N_`` (e.g. ``"{what} server."``), keeping the
    template and its values so that the doc can be shown translated."""
    return {"doc": template.format(**values), "doc_template": template,
            "doc_values": tuple(values.items())}  # fmt: skip


def doc_text(setting: Setting) -> str:
    """The setting's doc line in the current language."""
    if setting.doc_template:
        return _(setting.doc_template).format(**dict(setting.doc_values))
    return _(setting.doc) if setting.doc else ""


def rule_text(setting: Setting) -> str:
    """The setting's rule (what ``pattern``/``check`` accept) in the current language."""
    return _(setting.rule) if setting.rule else ""


def bad_char(text: str) -> str | None:
    """Describe the first control/line-separator/surrogate character of ``text``."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            return f"U+{ord(char):04X} at position {index}"
    return None


def _shown(setting: Setting, value: Any) -> str:
    """How a rejected value appears in an error message (secrets never appear)."""
    if setting.secret:
        return "a hidden value"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_text(setting: Setting, text: str, what: str) -> str | None:
    """The rule a string breaks, or None."""
    bad = bad_char(text)
    if bad is not None:
        return f"{what} must not contain control or line-break characters (found {bad})"
    if setting.kind is str and len(text) < setting.min_length:
        if setting.min_length == 1:
            return f"{what} must not be empty"
        return f"{what} must be at least {setting.min_length} characters long"
    if setting.kind is str and setting.max_length is not None and len(text) > setting.max_length:
        return f"{what} must be at most {setting.max_length} characters long, got {len(text)}"
    if setting.pattern is not None and re.fullmatch(setting.pattern, text) is None:
        return f"{what} must be {setting.rule or 'matching ' + setting.pattern}"
    return None


def _check_kind(setting: Setting, value: Any) -> Any:
    """``value`` in its canonical form; ConfigError for a wrong type."""
    kind = setting.kind
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is list and isinstance(value, tuple):
        ok = True
    if not ok:
        expected = {bool: "true or false", int: "an integer", str: "a string", list: "a list"}
        got = f"{type(value).__name__} {_shown(setting, value)}"
        raise ConfigError(setting.key, f"must be {expected[kind]}, got {got}")
    return list(value) if kind is list else value


def check_value(setting: Setting, value: Any) -> Any:
    """Validate ``value`` against ``setting``; return it (lists as a new list)."""
    value = _check_kind(setting, value)
    key = setting.key
    if setting.kind is int:
        low, high = setting.minimum, setting.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(key, f"must be between {low} and {high}, got {value}")
    if setting.kind is str:
        broken = _check_text(setting, value, "value")
        if broken is not None:
            raise ConfigError(key, f"{broken}, got {_shown(setting, value)}")
    if setting.kind is list:
        if setting.max_length is not None and len(value) > setting.max_length:
            count = len(value)
            raise ConfigError(key, f"must have at most {setting.max_length} items, got {count}")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(key, f"item {index} must be a string, got {item!r}")
            broken = _check_text(setting, item, f"item {index}")
            if broken is not None:
                raise ConfigError(key, f"{broken}, got {item!r}")
    if setting.choices is not None and value not in setting.choices:
        allowed = ", ".join(repr(choice) for choice in setting.choices)
        raise ConfigError(key, f"must be one of {allowed}, got {_shown(setting, value)}")
    if setting.check is not None:
        broken = setting.check(value)
        if broken is not None:
            raise ConfigError(key, f"{broken}, got {_shown(setting, value)}")
    return value


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def parse_text(setting: Setting, text: str) -> Any:
    """Convert command-line ``text`` to a value of the setting's kind, then validate it."""
    if not isinstance(text, str):
        raise ConfigError(setting.key, f"expected text to parse, got {type(text).__name__}")
    problem = bad_char(text) if setting.kind is not str else None  # str: check_value says it
    if problem is not None:
        raise ConfigError(
            setting.key,
            f"value must not contain control or line-break characters (found {problem})",
        )
    if setting.kind is bool:
        word = text.strip().lower()
        if word not in _TRUE | _FALSE:
            raise ConfigError(setting.key, f"expected true or false, got {text!r}")
        return check_value(setting, word in _TRUE)
    if setting.kind is int:
        if re.fullmatch(r" *[+-]?[0-9]{1,18} *", text) is None:
            raise ConfigError(setting.key, f"expected an integer, got {_shown(setting, text)}")
        return check_value(setting, int(text))
    if setting.kind is list:
        return check_value(setting, [item.strip() for item in text.split(",") if item.strip()])
    return check_value(setting, text)
