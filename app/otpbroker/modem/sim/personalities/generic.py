"""``generic``: a plain modem as the standards describe it.

Follows 3GPP TS 27.007 "AT command set for User Equipment" (Release 17, V17.x) and
TS 27.005 "Use of DTE-DCE interface for SMS and CBS" (V17.x), with ITU-T V.250 for the
basic commands. It has every radio, ``+CPINR`` for PIN tries (TS 27.007 §8.65), no vendor
commands and no start-up lines. Its unsolicited noise is a mix of lines seen from real
sticks (``^RSSI``, ``^MODE``, ``+CREG``...), meant to stress clients; the standards give
no command to silence it. USSD replies are shown in the style each reply names.
"""

from __future__ import annotations

import random

from ..context import Context
from ..profile import DEFAULT_IDENTITY
from .base import Identity, Noise, Personality
from .common import tests

CHARSETS = ("GSM", "IRA", "UCS2", "HEX", "8859-1")


def _info(ctx: Context) -> list[str]:
    profile = ctx.profile
    return [
        f"Manufacturer: {profile.manufacturer}",
        f"Model: {profile.model}",
        f"Revision: {profile.revision}",
    ]


def _rssi(ctx: Context, rng: random.Random) -> str:
    return f"^RSSI: {max(0, min(31, ctx.rssi + rng.randint(-2, 2)))}"


def _boot(ctx: Context, rng: random.Random) -> str:
    return f"^BOOT:{rng.randrange(10**7, 10**8)},0,0,0,75"


GENERIC = Personality(
    name="generic",
    summary="plain 3GPP TS 27.005/27.007 modem with every radio",
    manual="3GPP TS 27.007 and TS 27.005 (Release 17), ITU-T V.250",
    identity=Identity(*DEFAULT_IDENTITY),
    info=_info,
    gcap="+GCAP: +CGSM",
    rats=frozenset({"gsm", "umts", "lte"}),
    charsets=CHARSETS,
    default_charset="GSM",
    tests=tests(CHARSETS, ("SM", "ME"), "(0-2),(0-3),(0,2),(0-2),(0,1)"),
    noise=(
        Noise("field", _rssi),
        Noise("field", lambda ctx, rng: f"+CREG: {ctx.cs_stat}"),
        Noise("field", _boot),
        Noise("field", lambda ctx, rng: "^MODE:5,4"),
        Noise("field", lambda ctx, rng: "^SRVST:2"),
    ),
    pin_retries="AT+CPINR",
    ussd_style="as-named",
    home_rat="umts",
)
