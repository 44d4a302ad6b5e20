"""The ``auth.*`` settings: throttling of failed logins (API users and administrators).

The shape follows OWASP's Authentication Cheat Sheet: a few free failures within a window,
then an exponentially growing wait (1 s, 2 s, 4 s ... up to ``auth.max_delay_seconds``),
then a lock-out. ``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_


def _count(key: str, default: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=0, maximum=100_000)


def _seconds(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


AUTH_SETTINGS: tuple[Setting, ...] = (
    _count(
        "auth.address_free_failures",
        5,
        N_(
            "Failed logins from one address (an IPv6 /64) within the window before each further "
            "attempt waits 1 s, 2 s, 4 s ... (429 with Retry-After). 0 = no throttling by address."
        ),
    ),
    _count(
        "auth.address_lockout_failures",
        15,
        N_(
            "Failed logins from one address within the window after which it is locked out for "
            "auth.lockout_seconds. 0 = never locked out, only slowed."
        ),
    ),
    _count(
        "auth.user_free_failures",
        10,
        N_(
            "Failed logins for one user name (known or not) from all addresses within the window "
            "before each further attempt waits; an address that logged in as that user within "
            "auth.trusted_seconds is exempt. 0 = no throttling by user name."
        ),
    ),
    _count(
        "auth.user_lockout_failures",
        50,
        N_(
            "Failed logins for one user name within the window after which it is locked out for "
            "auth.lockout_seconds (except from its trusted addresses). 0 = never locked out."
        ),
    ),
    _seconds(
        "auth.window_seconds",
        900,
        1,
        86_400,
        N_(
            "Seconds without a failed login (after the last wait or lock-out ended) before an "
            "address or user name starts again with its free failures."
        ),
    ),
    _seconds(
        "auth.max_delay_seconds",
        60,
        1,
        3_600,
        N_("Longest wait between attempts once the free failures are used."),
    ),
    _seconds(
        "auth.lockout_seconds",
        900,
        1,
        86_400,
        N_("Seconds a locked-out address or user name is refused."),
    ),
    _seconds(
        "auth.trusted_seconds",
        86_400,
        0,
        2_592_000,
        N_(
            "Seconds an address that logged in correctly as a user stays exempt from that user "
            "name's lock (0 = never exempt)."
        ),
    ),
)
