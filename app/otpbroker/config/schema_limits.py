"""The ``limits.*`` settings: limits against SMS pumping (toll fraud), checked before sending.

Each rate limit is a count per sliding window, 0 = off; the lists hold digits in MSISDN
form (international, no '+'). ``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

COUNTRY = (r"[1-9][0-9]{0,2}", N_("a country calling code: 1-3 digits, not starting with 0"))
PREFIX = (r"[0-9]{1,15}", N_("1-15 digits in MSISDN form (country code first, no '+')"))

RATE_LIMIT_KEYS = (
    "limits.recipient_per_hour",
    "limits.recipient_per_day",
    "limits.prefix_per_hour",
    "limits.user_per_minute",
    "limits.user_per_hour",
)


def _count(key: str, default: int, high: int, doc: str) -> Setting:
    """A rate limit; ``doc`` ends with "0 = no limit."."""
    return Setting(key, int, default, doc, minimum=0, maximum=high)


def _digits_list(key: str, rule: tuple[str, str], items: int, doc: str) -> Setting:
    return Setting(key, list, [], doc, pattern=rule[0], rule=rule[1], max_length=items)


LIMIT_SETTINGS: tuple[Setting, ...] = (
    _count(
        "limits.recipient_per_hour",
        5,
        10000,
        N_("Messages accepted for one number per hour. 0 = no limit."),
    ),
    _count(
        "limits.recipient_per_day",
        10,
        100000,
        N_("Messages accepted for one number per day. 0 = no limit."),
    ),
    Setting(
        "limits.prefix_digits",
        int,
        4,
        N_("Digits dropped from the end of a number to make its prefix (4: 62812345xxxx)."),
        minimum=1,
        maximum=10,
    ),
    _count(
        "limits.prefix_per_hour",
        30,
        100000,
        N_("Messages accepted for all the numbers of one prefix per hour. 0 = no limit."),
    ),
    _count(
        "limits.user_per_minute",
        60,
        10000,
        N_("Messages accepted from one API user or feeder per minute. 0 = no limit."),
    ),
    _count(
        "limits.user_per_hour",
        1000,
        1000000,
        N_("Messages accepted from one API user or feeder per hour. 0 = no limit."),
    ),
    _digits_list(
        "limits.allowed_countries",
        COUNTRY,
        50,
        N_("Country calling codes that may be sent to (empty = every country)."),
    ),
    _digits_list(
        "limits.allowed_prefixes",
        PREFIX,
        200,
        N_("Only numbers starting with one of these prefixes may be sent to (empty = any)."),
    ),
    _digits_list(
        "limits.denied_prefixes",
        PREFIX,
        200,
        N_("Numbers starting with one of these prefixes are never sent to (wins over allowed)."),
    ),
)

__all__ = ["LIMIT_SETTINGS", "RATE_LIMIT_KEYS"]
