"""Numbers in records are kept in MSISDN form, whatever form they were entered in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.config.errors import ConfigError
from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import normalize_msisdn, normalize_prefix
from otpbroker.i18n.translate import _


def normalise_numbers(name: str, fields: Mapping[str, Any], country_code: str) -> dict[str, Any]:
    """Modem prefixes (``0871`` -> ``62871``), keep-alive numbers and blocked numbers in
    MSISDN form."""
    result = dict(fields)
    keepalive = result.get("keepalive_number") if name == "modems" else None
    if isinstance(keepalive, str) and keepalive not in ("", "own"):
        try:
            result["keepalive_number"] = normalize_msisdn(keepalive, country_code)
        except InvalidNumberError as exc:
            message = _("{problem} (or 'own' for the SIM's own number, empty for none)")
            message = message.format(problem=exc.message)
            raise ConfigError("modems.keepalive_number", message) from None
    try:
        if name == "modems" and isinstance(result.get("prefixes"), list | tuple):
            prefixes = [normalize_prefix(str(p), country_code) for p in result["prefixes"]]
            result["prefixes"] = list(dict.fromkeys(prefixes))
        if name == "blocklist" and isinstance(result.get("msisdn"), str):
            result["msisdn"] = normalize_msisdn(result["msisdn"], country_code)
    except InvalidNumberError as exc:
        field = "prefixes" if name == "modems" else "msisdn"
        raise ConfigError(f"{name}.{field}", exc.message) from None
    return result
