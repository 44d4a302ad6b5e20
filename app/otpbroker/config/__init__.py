"""Configuration: a validated schema of settings and records in a crash-safe TinyDB file."""

from otpbroker.config.errors import ConfigError, CorruptConfigError, NotFoundError
from otpbroker.config.migrations import SCHEMA_VERSION
from otpbroker.config.records import COLLECTIONS, Collection, parse_field, public_view
from otpbroker.config.schema import SETTINGS, Setting, parse, validate
from otpbroker.config.store import ConfigStore

__all__ = [
    "COLLECTIONS",
    "SCHEMA_VERSION",
    "SETTINGS",
    "Collection",
    "ConfigError",
    "ConfigStore",
    "CorruptConfigError",
    "NotFoundError",
    "Setting",
    "parse",
    "parse_field",
    "public_view",
    "validate",
]
