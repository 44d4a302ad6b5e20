"""Errors raised by the configuration package."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting or record was rejected; the message names the key and the rule broken."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.rule = message


class NotFoundError(ConfigError, LookupError):
    """A record id that does not exist in its collection."""


class CorruptConfigError(ConfigError):
    """The configuration file exists but cannot be understood (never silently discarded)."""
