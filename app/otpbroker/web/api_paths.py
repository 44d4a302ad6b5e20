"""Which request paths belong to the REST API: the command paths the settings configure."""

from __future__ import annotations

from otpbroker.domain.ports import Settings
from otpbroker.web.api import PATH_KEYS


class ApiPaths:
    """Called with a path: True when it is one of the configured command paths."""

    def __init__(self, settings: Settings) -> None:
        """``settings``: read at every call, so a changed path applies at once."""
        self._settings = settings

    def __call__(self, path: str) -> bool:
        """True for a configured command path."""
        return path in {str(self._settings.get(key)) for key in PATH_KEYS}


__all__ = ["ApiPaths"]
