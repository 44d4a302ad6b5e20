"""Settings of what the device gives back: message statuses, received SMS and webhooks."""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

KEYWORD = (r"[A-Za-z0-9]{1,20}", N_("1-20 letters or digits"))


def _int(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


TWO_WAY_SETTINGS: tuple[Setting, ...] = (
    _int(
        "status.retention_seconds",
        604800,
        3600,
        2592000,
        N_(
            "How long a message's status (ids, states, times, masked number) is kept and"
            " answered by GET /api/status/<id>."
        ),
    ),
    _int(
        "status.report_wait_seconds",
        259200,
        600,
        604800,
        N_("How long after sending a status report is still matched to its message."),
    ),
    Setting(
        "inbound.enabled",
        bool,
        True,
        N_("Read received SMS from every modem, hand them over and remove them from the SIM."),
    ),
    _int(
        "inbound.poll_seconds",
        60,
        10,
        3600,
        N_("How often each modem's message store is listed (besides the +CMTI notices)."),
    ),
    Setting(
        "inbound.stop_keywords",
        list,
        [],
        N_("Replies that put their sender on the blocking list (e.g. STOP; empty = off)."),
        pattern=KEYWORD[0],
        rule=KEYWORD[1],
        max_length=20,
    ),
    _int(
        "webhooks.max_attempts",
        10,
        1,
        50,
        N_("Deliveries tried per event before it goes to the dead-letter list."),
    ),
    _int(
        "webhooks.max_age_seconds",
        86400,
        60,
        604800,
        N_("Age after which an undelivered event goes to the dead-letter list."),
    ),
    _int("webhooks.timeout_seconds", 10, 1, 60, N_("Time-out of one webhook request.")),
)
