"""The ``front.*`` settings: the event-driven front (haproxy) before the app server.

haproxy reads every request whole before the app sees it, so slow, idle and numerous clients
hold no app thread; these bound what they may hold in haproxy. A change restarts the front
without closing the ports. ``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_


def _int(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


FRONT_SETTINGS: tuple[Setting, ...] = (
    _int(
        "front.max_connections",
        2000,
        100,
        20000,
        N_(
            "Most client connections open at once (HTTP and HTTPS together); more wait in the "
            "kernel's queue. Bounds the front's memory (about 35 kB per busy connection)."
        ),
    ),
    _int(
        "front.max_connections_per_client",
        50,
        1,
        10000,
        N_(
            "Most connections one client address may hold open; a request on one more is "
            "answered 429 (code 1109) with Retry-After, a connection that sends nothing is "
            "closed after front.request_timeout_seconds, and beyond four times this number new "
            "connections are closed at once."
        ),
    ),
    _int(
        "front.request_timeout_seconds",
        10,
        1,
        300,
        N_(
            "Time a client has to send its request headers, and again its body (the front reads "
            "bodies up to 12 KiB whole before the app sees them); late ones get 408."
        ),
    ),
    _int(
        "front.keep_alive_seconds",
        15,
        1,
        300,
        N_("How long an idle keep-alive connection stays open waiting for the next request."),
    ),
    _int(
        "front.queue_timeout_seconds",
        10,
        1,
        300,
        N_(
            "How long a request waits for a free app thread when all are busy before it is "
            "answered 503 (code 1110)."
        ),
    ),
)

FRONT_KEYS = tuple(setting.key for setting in FRONT_SETTINGS)
