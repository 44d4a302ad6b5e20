"""``zte-mf667``: ZTE MF667 UMTS stick (modem mode, serial ports).

Follows "AT Command Set for ZTE Wireless Data Product" (Version 1.8) for the 3GPP subset
and ``+ZPAS``; field facts from ModemManager's ZTE plugin (``AT+ZPINPUK=?`` answers the
PIN and PUK tries itself, ``+ZPAS: "<network>","<domain>"``, the ``+ZUSIMR:2`` flood that
stops once ``AT+CPMS?`` has been answered, ``+ZPASR`` lines on every radio change) and
Gammu's phone table (MF667: ``AT+ZCDRUN=8`` and ``AT+ZOPRT=5`` at start, USSD in the GSM
charset). ``+ZPASR`` cannot be switched off: a client has to ignore it, as ModemManager does.
"""

from __future__ import annotations

from ..context import Context, Handler
from ..handlers.registry import HANDLERS
from ..results import Reply
from ..syntax import Command, int_param, params
from .base import Identity, Noise, Personality
from .common import info_lines, rat_word, switch_noise, tests

CHARSETS = ("IRA", "GSM", "UCS2")
NETWORK = {"gsm": "EDGE", "umts": "UMTS"}


def _tries(ctx: Context) -> Reply:
    """``AT+ZPINPUK=?`` -> ``+ZPINPUK: <pin tries>,<puk tries>`` (ZTE's own use of ``=?``)."""
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    return Reply(lines=[f"+ZPINPUK: {card.pin_tries},{card.puk_tries}"])


def _zpinpuk(ctx: Context, cmd: Command) -> Reply:
    """Only the test form exists."""
    raise ValueError(cmd.op)


def _zpas(ctx: Context, cmd: Command) -> Reply:
    if cmd.op != "?":
        raise ValueError(cmd.op)
    network = rat_word(ctx, NETWORK, "No Service")
    domain = "CS_PS" if ctx.registered else "CS_ONLY"
    return Reply(lines=[f'+ZPAS: "{network}","{domain}"'])


def _accept_one(values: tuple[int, ...], prefix: str) -> Handler:
    """A switch that takes only ``values`` (and reads back the last one)."""

    def handler(ctx: Context, cmd: Command) -> Reply:
        if cmd.op == "?":
            return Reply(lines=[f"{prefix}: {values[-1]}"])
        if int_param(params(cmd.arg)[0], 0, 99) not in values:
            raise ValueError(cmd.arg)
        return Reply()

    return handler


def _cpms(ctx: Context, cmd: Command) -> Reply:
    """The generic ``+CPMS``; once it was read, the ``+ZUSIMR:2`` flood stops."""
    reply = HANDLERS["+CPMS"](ctx, cmd)
    if cmd.op == "?" and not reply.failed:
        switch_noise(ctx, {"zusimr"}, on=False)
    return reply


MF667 = Personality(
    name="zte-mf667",
    summary="ZTE MF667 UMTS stick",
    manual="AT Command Set for ZTE Wireless Data Product, Version 1.8",
    identity=Identity("ZTE CORPORATION", "MF667", "BD_P673A2V1.0.0B09"),
    info=info_lines,
    gcap="+GCAP: +CGSM,+DS,+ES",
    rats=frozenset({"gsm", "umts"}),
    charsets=CHARSETS,
    default_charset="IRA",
    tests=tests(
        CHARSETS,
        ("SM", "ME"),
        "(0-2),(0-3),(0,2),(0-2),(0,1)",
        ZPINPUK=_tries,
        ZCDRUN=("+ZCDRUN: (8,9)",),
        ZOPRT=("+ZOPRT: (5)",),
    ),
    boot_lines=("+ZUSIMR:2",),
    ready_lines=('+ZPASR: "UMTS"',),
    noise=(
        Noise("zusimr", lambda ctx, rng: "+ZUSIMR:2"),
        Noise("zpasr", lambda ctx, rng: f'+ZPASR: "{rat_word(ctx, NETWORK, "No Service")}"'),
    ),
    silencers=("AT+CPMS?",),
    pin_retries="AT+ZPINPUK=?",
    status_commands=("AT+ZPAS?",),
    handlers={
        "+ZPINPUK": _zpinpuk,
        "+ZPAS": _zpas,
        "+ZCDRUN": _accept_one((8, 9), "+ZCDRUN"),
        "+ZOPRT": _accept_one((5,), "+ZOPRT"),
        "+CPMS": _cpms,
    },
    lacks=frozenset({"+CLAC", "+CPINR"}),
    memories={"SM": 50, "ME": 100},
)
