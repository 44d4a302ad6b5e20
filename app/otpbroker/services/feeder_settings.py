"""The feeders' settings (``feeders.<name>.*``): read one feeder's, save them all or nothing,
and try them once with a short time-out before saving.

Saving goes through the settings service, so the admin and ``otp-broker config`` refuse the
same values with the same message; the broker restarts a feeder when its settings change.
A connection test uses the stored values completed by those given (a password left out
keeps the stored one) and never shows a password, even should an error text quote it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.i18n.translate import N_, _
from otpbroker.services.settings import SettingsService

SECRET_FIELDS = ("password",)
PROBE_TIMEOUT = 5.0
#: A result when a password was typed (the English of ``RETYPE_NOTE`` after the result).
RETYPE = N_("{result} (type the password again to save it: it is never sent back to the browser)")
RETYPE_NOTE = " (type the password again to save it: it is never sent back to the browser)"
NO_PROBES = N_("connection tests are not available in this build")

Probe = Callable[..., str | None]  # (settings, timeout=...) -> None, or why it failed


def prefix(name: str) -> str:
    """The settings' key prefix of feeder ``name``."""
    return f"feeders.{name}."


def scrub(text: str, secrets: list[str]) -> str:
    """Hide a password should an error text ever quote it."""
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, "<hidden>")
    return text


class FeederSettings:
    """One feeder's settings: read, save, try; every feeder's status."""

    def __init__(
        self,
        settings: SettingsService,
        probes: Mapping[str, Probe],
        statuses: Callable[[], list[Any]] = list,
    ) -> None:
        self._settings = settings
        self._probes = probes
        self._statuses = statuses

    def stored(self, name: str) -> dict[str, Any]:
        """The feeder's settings without the prefix (secrets included: server side only)."""
        start = prefix(name)
        return {key[len(start) :]: value for key, value in self._settings.current().items()
                if key.startswith(start)}  # fmt: skip

    def docs(self) -> dict[str, Mapping[str, Any]]:
        """The settings' documentation (bounds and hints) by key; empty when unavailable."""
        try:
            return self._settings.docs()
        except Exception:  # only hints come from there: the feeders work without them
            return {}

    def statuses(self) -> list[Any]:
        """Every feeder's status (``FeederStatus``)."""
        return self._statuses()

    def save(self, name: str, values: Mapping[str, Any]) -> list[str]:
        """Store the feeder's settings all or nothing; the keys stored (SettingsRefused)."""
        return self._settings.save({prefix(name) + key: value for key, value in values.items()})

    def test(self, name: str, values: Mapping[str, Any],
             timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:  # fmt: skip
        """Connect once with the stored settings completed by ``values``: (connected, what
        to tell)."""
        probe = self._probes.get(name)
        if probe is None:
            return False, _(NO_PROBES)
        settings = {**self.stored(name), **values}
        try:
            error = probe(settings, timeout=timeout)
        except Exception as exc:  # a probe must not raise; tell it rather than fail
            error = f"{type(exc).__name__}: {exc}"
        secrets = [str(v) for k, v in settings.items() if k in SECRET_FIELDS and v]
        if error is None:
            connected, text = True, _("connected")
        else:
            connected, text = False, scrub(error, secrets)
        if values.get("password"):
            text = _(RETYPE).format(result=text)
        return connected, text


__all__ = ["FeederSettings", "prefix", "scrub"]
