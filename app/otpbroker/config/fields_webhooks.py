"""The fields of a webhook record: who owns it, where it posts, what it is sent, its secret.

The URL's deeper rules (scheme, host, no credentials, the addresses it resolves to) are the
webhooks service's (``services/webhook_urls.py``); here only its length and characters.
"""

from __future__ import annotations

from typing import Any

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_, _

OWNER = (
    r"feeder:(?:rabbitmq|mqtt|ws)|[A-Za-z0-9._@-]{1,64}",
    N_("an API user's name, or feeder:rabbitmq, feeder:mqtt or feeder:ws"),
)
EVENT_KINDS = ("status", "inbound", "alert")


def _events(value: Any) -> str | None:
    """At least one kind, each once."""
    if not value:
        return _("must name at least one event kind (status, inbound, alert)")
    if len(set(value)) != len(value):
        return _("must name each event kind once")
    return None


WEBHOOK_FIELDS: tuple[Setting, ...] = (
    Setting(
        "owner", str, "", N_("Whose events it receives: an API user's name (the status events"
        " of that user's messages), or feeder:rabbitmq, feeder:mqtt, feeder:ws (those of the"
        " messages that feeder brought)."), pattern=OWNER[0], rule=OWNER[1], required=True,
    ),
    Setting(
        "url", str, "", N_("Where events are POSTed (http:// or https://)."),
        min_length=1, max_length=2048, required=True,
    ),
    Setting(
        "secret", str, "", N_("HMAC-SHA256 key of the X-OTPB-Signature header (made by the"
        " device; never shown in lists or logs)."), pattern=r"[0-9a-f]{64}",
        rule=N_("64 hexadecimal digits"), secret=True, required=True,
    ),
    Setting(
        "events", list, ["status"], N_("Event kinds sent: status (the owner's messages),"
        " inbound (every received SMS) and/or alert (every device alert raised or cleared:"
        " SIM credit or active period, modem dead, no SMS path...)."),
        pattern="|".join(EVENT_KINDS), rule=N_("status, inbound or alert"),
        max_length=len(EVENT_KINDS), check=_events,
    ),
    Setting("active", bool, True, N_("Events are posted (an inactive webhook posts nothing).")),
    Setting(
        "allow_private_address", bool, False, N_("Allow a host that resolves to a private"
        " (RFC 1918, unique local), loopback, link-local or the device's own address. A"
        " device on a LAN often posts to a LAN server: tick it for that."),
    ),
)  # fmt: skip
