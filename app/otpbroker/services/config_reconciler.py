"""The running broker kept in line with the stored configuration.

Called at start and after every change of the store (also one another process made): the
SMS path's log level, the modems, the feeders and the listeners follow the records and
settings without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from otpbroker.domain.ports import Repository

SMS_LOGGERS = ("otpbroker.modem", "otpbroker.services.sms", "otpbroker.feeders")


class ModemRecordsTarget(Protocol):
    """Runs the modems the ``modems`` records describe (``modem.configured.ConfiguredModems``)."""

    def apply(self, records: Iterable[Mapping[str, Any]], settings: Mapping[str, Any]) -> None:
        """Start, change and stop modems to match ``records``."""
        ...


class SettingsTarget(Protocol):
    """Something that follows the settings (the feeders, the listeners)."""

    def apply(self, settings: Mapping[str, Any]) -> None:
        """Follow ``settings``."""
        ...


class ConfigReconciler:
    """Brings log levels, modems, feeders and listeners in line with the configuration."""

    def __init__(
        self,
        repo: Repository,
        modems: ModemRecordsTarget,
        followers: Iterable[SettingsTarget] = (),
    ) -> None:
        """``followers``: told the settings after the modems, in this order."""
        self._repo = repo
        self._modems = modems
        self._followers = tuple(followers)

    def apply(self) -> None:
        """Bring everything in line with the stored configuration now."""
        settings = self._repo.settings()
        for name in SMS_LOGGERS:  # sms.log_level: how much the SMS path logs (bodies masked)
            logging.getLogger(name).setLevel(str(settings["sms.log_level"]))
        self._modems.apply(self._repo.list("modems"), settings)
        for follower in self._followers:
            follower.apply(settings)

    def on_change(self, _generation: int) -> None:
        """A store subscriber: apply the changed configuration."""
        self.apply()


__all__ = ["SMS_LOGGERS", "ConfigReconciler", "ModemRecordsTarget", "SettingsTarget"]
