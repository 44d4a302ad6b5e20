"""The ``limits.*`` settings: limits against SMS pumping (toll fraud), checked before sending.

Each rate limit is a count per sliding window, 0 = off; the lists hold digits in MSISDN
form (international, no '+'). ``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting

COUNTRY = (r"[1-9][0-9]{0,2}", "a country calling code: 1-3 digits, not starting with 0")
PREFIX = (r"[0-9]{1,15}", "1-15 digits in MSISDN form (country code first, no '+')")

RATE_LIMIT_KEYS = (
    "limits.recipient_per_hour",
    "limits.recipient_per_day",
    "limits.prefix_per_hour",
    "limits.user_per_minute",
    "limits.user_per_hour",
)


def _count(key: str, default: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc + " 0 = no limit.", minimum=0, maximum=high)


def _digits_list(key: str, rule: tuple[str, str], items: int, doc: str) -> Setting:
    return Setting(key, list, [], doc, pattern=rule[0], rule=rule[1], max_length=items)


LIMIT_SETTINGS: tuple[Setting, ...] = (
    _count("limits.recipient_per_hour", 5, 10000, "Messages accepted for one number per hour."),
    _count("limits.recipient_per_day", 10, 100000, "Messages accepted for one number per day."),
    Setting(
        "limits.prefix_digits",
        int,
        4,
        "Digits dropped from the end of a number to make its prefix (4: 62812345xxxx).",
        minimum=1,
        maximum=10,
    ),
    _count(
        "limits.prefix_per_hour",
        30,
        100000,
        "Messages accepted for all the numbers of one prefix per hour.",
    ),
    _count(
        "limits.user_per_minute",
        60,
        10000,
        "Messages accepted from one API user or feeder per minute.",
    ),
    _count(
        "limits.user_per_hour",
        1000,
        1000000,
        "Messages accepted from one API user or feeder per hour.",
    ),
    _digits_list(
        "limits.allowed_countries",
        COUNTRY,
        50,
        "Country calling codes that may be sent to (empty = every country).",
    ),
    _digits_list(
        "limits.allowed_prefixes",
        PREFIX,
        200,
        "Only numbers starting with one of these prefixes may be sent to (empty = any).",
    ),
    _digits_list(
        "limits.denied_prefixes",
        PREFIX,
        200,
        "Numbers starting with one of these prefixes are never sent to (wins over allowed).",
    ),
)

__all__ = ["LIMIT_SETTINGS", "RATE_LIMIT_KEYS"]
