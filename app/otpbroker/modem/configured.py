"""Configured modem records to running modems: what the pool runs follows the records.

A record that cannot be turned into a modem (a missing port, a bad number) is logged and
skipped; the other modems still run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from otpbroker.domain.sim_quota import PacingRule
from otpbroker.modem import pdu
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemSpec
from otpbroker.modem.transport import SerialSettings

log = logging.getLogger(__name__)


def modem_spec(record: Mapping[str, Any], settings: Mapping[str, Any]) -> ModemSpec:
    """A configured modem record, plus the SMS settings, as the modem layer needs it."""
    options = ModemOptions(
        pin=record.get("pin") or None,
        smsc=record.get("smsc") or None,
        use_cmms=bool(settings["sms.use_cmms"]),
        ussd_packed=bool(record.get("ussd_packed")),
        status_reports=bool(settings["sms.status_reports"]),
        prompt_timeout=float(settings["sms.prompt_timeout_seconds"]),
        result_timeout=float(settings["sms.result_timeout_seconds"]),
        validity=pdu.validity_from_minutes(int(settings["sms.validity_minutes"])),
    )
    serial = SerialSettings(
        port=str(record["port"]),
        baudrate=int(record.get("baud_rate", 115200)),
        parity=str(record.get("parity", "N")),
        data_bits=int(record.get("data_bits", 8)),
        stop_bits=int(record.get("stop_bits", 1)),
    )
    return ModemSpec(
        modem_id=str(record["id"]),
        name=str(record.get("name") or record["port"]),
        serial=serial,
        options=options,
        prefixes=tuple(record.get("prefixes") or ()),
        default=bool(record.get("default_modem")),
        active=bool(record.get("active", True)),
        send_from_api=bool(record.get("send_from_api", True)),
        pacing=pacing_rule(record, settings),
    )


def pacing_rule(record: Mapping[str, Any], settings: Mapping[str, Any]) -> PacingRule:
    """The SIM pacing of a modem record (a field it lacks: no gap, no cap)."""
    return PacingRule(
        min_gap=float(record.get("min_gap_seconds", 0)),
        jitter=float(record.get("gap_jitter_seconds", 0)),
        per_hour=int(record.get("max_per_hour", 0)),
        per_day=int(record.get("max_per_day", 0)),
        recipients_per_month=int(record.get("max_recipients_per_month", 0)),
        reset=str(settings.get("sms.quota_reset_time", "00:00")),
        otp_bypass_gap=bool(settings.get("sms.otp_bypass_gap", True)),
    )


class SpecTarget(Protocol):
    """What runs the modems (``ModemPool``)."""

    def apply(self, specs: Sequence[ModemSpec]) -> None:
        """Start, change and stop modems so they match ``specs``."""
        ...


class ConfiguredModems:
    """Hands the pool the modems the records describe."""

    def __init__(self, pool: SpecTarget) -> None:
        """``pool``: what runs the modems."""
        self._pool = pool

    def apply(self, records: Iterable[Mapping[str, Any]], settings: Mapping[str, Any]) -> None:
        """Run exactly the modems of ``records`` (bad ones logged and skipped)."""
        specs = []
        for record in records:
            try:
                specs.append(modem_spec(record, settings))
            except (KeyError, ValueError) as exc:
                log.error("modem %s skipped: bad configuration (%s)", record.get("id"), exc)
        self._pool.apply(specs)


__all__ = ["ConfiguredModems", "SpecTarget", "modem_spec", "pacing_rule"]
