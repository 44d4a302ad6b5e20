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
from otpbroker.i18n.translate import N_, _

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
            return _("U+{code} at position {position}").format(
                code=f"{ord(char):04X}", position=index
            )
    return None


def _shown(setting: Setting, value: Any) -> str:
    """How a rejected value appears in an error message (secrets never appear)."""
    if setting.secret:
        return _("a hidden value")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(problem: str, shown: str) -> str:
    """A broken rule followed by the value that broke it."""
    return _("{problem}, got {value}").format(problem=problem, value=shown)


def _said(index: int | None, of_value: str, of_item: str, **values: Any) -> str:
    """A rule broken by the value (``index`` None) or by item ``index`` of a list."""
    if index is None:
        return _(of_value).format(**values)
    return _(of_item).format(index=index, **values)


def _check_text(setting: Setting, text: str, index: int | None) -> str | None:
    """The rule a string (or item ``index`` of a list) breaks, or None."""
    bad = bad_char(text)
    if bad is not None:
        return _said(
            index,
            N_("value must not contain control or line-break characters (found {found})"),
            N_("item {index} must not contain control or line-break characters (found {found})"),
            found=bad,
        )
    if setting.kind is str and len(text) < setting.min_length:
        if setting.min_length == 1:
            return _said(index, N_("value must not be empty"), N_("item {index} must not be empty"))
        return _said(
            index,
            N_("value must be at least {count} characters long"),
            N_("item {index} must be at least {count} characters long"),
            count=setting.min_length,
        )
    if setting.kind is str and setting.max_length is not None and len(text) > setting.max_length:
        return _said(
            index,
            N_("value must be at most {count} characters long, got {length}"),
            N_("item {index} must be at most {count} characters long, got {length}"),
            count=setting.max_length,
            length=len(text),
        )
    if setting.pattern is not None and re.fullmatch(setting.pattern, text) is None:
        if setting.rule:
            rule = rule_text(setting)
            return _said(index, N_("value must be {rule}"), N_("item {index} must be {rule}"),
                         rule=rule)  # fmt: skip
        return _said(
            index,
            N_("value must be matching {pattern}"),
            N_("item {index} must be matching {pattern}"),
            pattern=setting.pattern,
        )
    return None


#: What a value of each kind must be (the message when it is of another type).
EXPECTED = {
    bool: N_("must be true or false, got {value}"),
    int: N_("must be an integer, got {value}"),
    str: N_("must be a string, got {value}"),
    list: N_("must be a list, got {value}"),
}


def _check_kind(setting: Setting, value: Any) -> Any:
    """``value`` in its canonical form; ConfigError for a wrong type."""
    kind = setting.kind
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is list and isinstance(value, tuple):
        ok = True
    if not ok:
        got = f"{type(value).__name__} {_shown(setting, value)}"
        raise ConfigError(setting.key, _(EXPECTED[kind]).format(value=got))
    return list(value) if kind is list else value


def _check_list(setting: Setting, value: list[Any]) -> None:
    """The rules of a list setting: how many items, each a string following the rule."""
    key = setting.key
    if setting.max_length is not None and len(value) > setting.max_length:
        message = _("must have at most {count} items, got {length}")
        raise ConfigError(key, message.format(count=setting.max_length, length=len(value)))
    for index, item in enumerate(value):
        if not isinstance(item, str):
            message = _("item {index} must be a string, got {value}")
            raise ConfigError(key, message.format(index=index, value=repr(item)))
        broken = _check_text(setting, item, index)
        if broken is not None:
            raise ConfigError(key, _got(broken, repr(item)))


def check_value(setting: Setting, value: Any) -> Any:
    """Validate ``value`` against ``setting``; return it (lists as a new list)."""
    value = _check_kind(setting, value)
    key = setting.key
    if setting.kind is int:
        low, high = setting.minimum, setting.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            message = _("must be between {low} and {high}, got {value}")
            raise ConfigError(key, message.format(low=low, high=high, value=value))
    if setting.kind is str:
        broken = _check_text(setting, value, None)
        if broken is not None:
            raise ConfigError(key, _got(broken, _shown(setting, value)))
    if setting.kind is list:
        _check_list(setting, value)
    if setting.choices is not None and value not in setting.choices:
        allowed = ", ".join(repr(choice) for choice in setting.choices)
        message = _("must be one of {allowed}, got {value}")
        raise ConfigError(key, message.format(allowed=allowed, value=_shown(setting, value)))
    if setting.check is not None:
        broken = setting.check(value)
        if broken is not None:
            raise ConfigError(key, _got(broken, _shown(setting, value)))
    return value


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def parse_text(setting: Setting, text: str) -> Any:
    """Convert command-line ``text`` to a value of the setting's kind, then validate it."""
    if not isinstance(text, str):
        message = _("expected text to parse, got {kind}")
        raise ConfigError(setting.key, message.format(kind=type(text).__name__))
    problem = bad_char(text) if setting.kind is not str else None  # str: check_value says it
    if problem is not None:
        message = _("value must not contain control or line-break characters (found {found})")
        raise ConfigError(setting.key, message.format(found=problem))
    if setting.kind is bool:
        word = text.strip().lower()
        if word not in _TRUE | _FALSE:
            message = _("expected true or false, got {value}")
            raise ConfigError(setting.key, message.format(value=repr(text)))
        return check_value(setting, word in _TRUE)
    if setting.kind is int:
        if re.fullmatch(r" *[+-]?[0-9]{1,18} *", text) is None:
            message = _("expected an integer, got {value}")
            raise ConfigError(setting.key, message.format(value=_shown(setting, text)))
        return check_value(setting, int(text))
    if setting.kind is list:
        return check_value(setting, [item.strip() for item in text.split(",") if item.strip()])
    return check_value(setting, text)
