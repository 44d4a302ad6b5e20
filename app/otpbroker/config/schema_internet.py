"""Settings of the device's uplink: mobile internet always on demand, or as a standby."""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

INTERNET_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "internet.mode",
        str,
        "always",
        N_(
            "always: mobile internet is connected and disconnected by hand on the Internet"
            " page; standby: it comes up when Ethernet loses its default route and goes down"
            " when that route is back (the first modem with internet access)."
        ),
        choices=("always", "standby"),
    ),
    Setting(
        "internet.check_interval_seconds",
        int,
        10,
        N_("How often the Ethernet default route is looked at."),
        minimum=1,
        maximum=600,
    ),
    Setting(
        "internet.failover_after_seconds",
        int,
        30,
        N_(
            "In standby mode: how long Ethernet must be without a default route before mobile"
            " internet is brought up."
        ),
        minimum=0,
        maximum=3600,
    ),
    Setting(
        "internet.failback_after_seconds",
        int,
        60,
        N_(
            "In standby mode: how long Ethernet's default route must be back before mobile"
            " internet is brought down."
        ),
        minimum=0,
        maximum=3600,
    ),
)
