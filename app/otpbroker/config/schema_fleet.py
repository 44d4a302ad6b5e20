"""The fleet's settings: several devices consuming one queue, with an optional shared ledger
(Redis/Valkey) that keeps a message id from being sent by two of them."""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

FLEET_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "fleet.enabled",
        bool,
        False,
        N_(
            "Claim each message id in the shared ledger before sending it (several devices on"
            " one queue: no OTP sent by two of them)."
        ),
    ),
    Setting(
        "fleet.device_name",
        str,
        "",
        N_("This device's name in the fleet (empty = the host name); unique per device."),
        pattern=r"[A-Za-z0-9._-]{0,64}",
        rule=N_("empty, or up to 64 of A-Z a-z 0-9 . _ -"),
    ),
    Setting(
        "fleet.ledger_url",
        str,
        "redis://127.0.0.1:6379/0",
        N_(
            "Shared ledger: redis:// or rediss:// URL of a Redis or Valkey server"
            " (redis://[user:password@]host:port/db)."
        ),
        pattern=r"rediss?://[\x21-\x7e]{1,500}",
        rule=N_("redis:// or rediss:// followed by [user:password@]host[:port][/db]"),
        secret=True,
    ),
    Setting(
        "fleet.ledger_ttl_seconds",
        int,
        604_800,
        N_("Seconds the shared ledger keeps a sent (or possibly sent) message id."),
        minimum=60,
        maximum=604_800,
    ),
    Setting(
        "fleet.management_url",
        str,
        "",
        N_(
            "RabbitMQ management API (http://host:15672) for the fleet page's consumer list,"
            " read with the RabbitMQ feeder's user name and password (empty = not shown)."
        ),
        pattern=r"(?:https?://[A-Za-z0-9.\[\]:-]{1,260}(?:/[\x21-\x7e]{0,200})?)?",
        rule=N_("empty, or http:// or https:// followed by host[:port][/path]"),
    ),
    Setting(
        "fleet.claim_seconds",
        int,
        300,
        N_(
            "Seconds a claim holds before its AT+CMGS (longer than sms.queue_timeout_seconds):"
            " another device waits that long for a claim whose device died before sending."
        ),
        minimum=10,
        maximum=3600,
    ),
)

__all__ = ["FLEET_SETTINGS"]
