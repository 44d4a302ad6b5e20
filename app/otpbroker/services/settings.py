"""Settings: read them with their docs, save several all or nothing, return one to its default.

The one way the browser admin (API setting, SMS setting, DDNS settings, Network) and
``otp-broker config`` change settings, so the same rules hold for both: an unknown key, a
value out of its bounds and settings that contradict each other are refused with the
configuration's precise message, and a refused save stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from otpbroker.i18n.translate import N_, _

FORM = "_form"  # the errors key of a refusal that names no setting
SettingDocs = Callable[[], Mapping[str, Mapping[str, Any]]]
NOT_FOR_THE_API = N_(
    "{value} is a page of this admin; the API would take it over. "
    "Choose another path, e.g. under /api/"
)


class SettingsStore(Protocol):
    """What the service needs of the configuration (its refusals are ValueErrors whose
    ``key`` names the setting and ``rule`` says what is wrong)."""

    def get(self, key: str) -> Any:
        """A setting's value (refused for an unknown key)."""
        ...

    def settings(self) -> dict[str, Any]:
        """Every setting."""
        ...

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Validate and store several settings at once (all or nothing)."""
        ...

    def reset(self, key: str) -> None:
        """Return one setting to its default."""
        ...


class SettingsRefused(ValueError):
    """Nothing was stored. ``errors`` maps the refused setting (``_form``: none) to why;
    the text is the configuration's own message (``key: rule``)."""

    def __init__(self, message: str, errors: Mapping[str, str]) -> None:
        super().__init__(message)
        self.errors = dict(errors)

    @property
    def key(self) -> str:
        """The refused setting (``""`` when the refusal names none)."""
        return next((key for key in self.errors if key != FORM), "")

    @property
    def rule(self) -> str:
        """Why it was refused, without the key."""
        return next(iter(self.errors.values()), str(self))


def refusal(exc: ValueError) -> SettingsRefused:
    """The configuration's refusal as a ``SettingsRefused`` (same text, per-field errors)."""
    key = str(getattr(exc, "key", "") or "")
    rule = str(getattr(exc, "rule", "") or exc)
    return SettingsRefused(str(exc), {key or FORM: rule})


def same(left: Any, right: Any) -> bool:
    """Equal and of the same type (``1`` is not ``True``)."""
    return type(left) is type(right) and left == right


class SettingsService:
    """Read, save (all or nothing) and reset settings; refusals are ``SettingsRefused``."""

    def __init__(self, store: SettingsStore, docs: SettingDocs) -> None:
        self._store = store
        self._docs = docs

    def current(self) -> dict[str, Any]:
        """Every setting with its current value, in schema order."""
        return self._store.settings()

    def docs(self) -> dict[str, Mapping[str, Any]]:
        """``{key: {"doc", "kind", "default", "minimum", "maximum", "choices"}}``."""
        return dict(self._docs())

    def doc(self, key: str) -> Mapping[str, Any]:
        """The doc of one setting (refused for an unknown key)."""
        self.get(key)
        return self._docs()[key]

    def get(self, key: str) -> Any:
        """The value of one setting (refused for an unknown key)."""
        try:
            return self._store.get(key)
        except ValueError as exc:
            raise refusal(exc) from None

    def is_default(self, key: str, value: Any) -> bool:
        """True when ``value`` is the setting's default (same type and value)."""
        return same(value, self._docs()[key].get("default"))

    @staticmethod
    def path_taken(key: str, value: Any, reserved: Callable[[str], bool]) -> str | None:
        """Why an API path setting cannot have ``value``: the caller (the admin) serves a
        page there, which the API would take over. None when it can."""
        is_path = key.startswith("api.") and key.endswith("_path")
        if is_path and isinstance(value, str) and reserved(value):
            return _(NOT_FOR_THE_API).format(value=repr(value))
        return None

    def changes(self, wanted: Mapping[str, Any]) -> dict[str, Any]:
        """The part of ``wanted`` that differs from the stored values."""
        current = self.current()
        return {key: value for key, value in wanted.items() if not same(value, current.get(key))}

    def save(self, changes: Mapping[str, Any]) -> list[str]:
        """Store every change or none; the keys stored (SettingsRefused with the reason)."""
        if not changes:
            return []
        try:
            self._store.update_settings(changes)
        except ValueError as exc:
            raise refusal(exc) from None
        return list(changes)

    def restore(self, previous: Mapping[str, Any]) -> None:
        """Put back values saved before (undo of a change that could not be applied)."""
        self.save(previous)

    def reset(self, key: str) -> Any:
        """Return ``key`` to its default; its value now (refused for an unknown key)."""
        try:
            self._store.reset(key)
        except ValueError as exc:
            raise refusal(exc) from None
        return self.get(key)

    def values(self, keys: Iterable[str]) -> dict[str, Any]:
        """The current values of ``keys``."""
        current = self.current()
        return {key: current.get(key) for key in keys}
