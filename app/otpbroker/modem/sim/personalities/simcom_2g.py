"""``simcom-sim800``: SIMCom SIM800L quad-band GSM/GPRS module on one UART (2G only).

Follows "SIM800 Series AT Command Manual" V1.09 (2015-08-03): ``ATI`` answers
``SIM800 R14.18``, ``AT+CGMR`` ``Revision:...``, charsets ``("IRA","GSM","UCS2","HEX",
"PCCP","PCDN","8859-1")`` starting in ``IRA``, ``AT+SPIC`` for the tries left
(``+SPIC: <pin1>,<pin2>,<puk1>,<puk2>``), ``+CSQN`` signal reports switched by
``AT+EXUNSOL="SQ",<mode>``, and the start-up lines ``RDY``, ``+CFUN: 1``, ``+CPIN: READY``,
``Call Ready``, ``SMS Ready``. It has no LTE (``AT+CEREG`` answers ``ERROR``) and sits behind
a USB-UART bridge, so ``AT+CFUN=1,1`` restarts it on the same port.
"""

from __future__ import annotations

from ..context import Context
from ..results import Reply
from ..syntax import Command, int_param, params
from .base import Identity, Noise, Personality
from .common import switch_noise, tests

CHARSETS = ("IRA", "GSM", "UCS2", "HEX", "PCCP", "PCDN", "8859-1")
MEMORIES = ("SM", "ME", "SM_P", "ME_P", "MT")


def _spic(ctx: Context, cmd: Command) -> Reply:
    """``+SPIC: <pin1>,<pin2>,<puk1>,<puk2>``."""
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    if cmd.op:
        raise ValueError(cmd.op)
    return Reply(lines=[f"+SPIC: {card.pin_tries},3,{card.puk_tries},10"])


def _exunsol(ctx: Context, cmd: Command) -> Reply:
    values = params(cmd.arg)
    if values[0].upper() != "SQ":
        raise ValueError(values[0])
    mode = int_param(values[1], 0, 2)
    if mode < 2:
        switch_noise(ctx, {"sq"}, bool(mode))
    return Reply()


def _ciurc(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CIURC: {ctx.state.settings.get('ciurc', 1)}"])
    ctx.state.settings["ciurc"] = int_param(params(cmd.arg)[0], 0, 1)
    return Reply()


SIM800 = Personality(
    name="simcom-sim800",
    summary="SIMCom SIM800L GSM/GPRS module (2G only, one UART)",
    manual="SIM800 Series AT Command Manual V1.09",
    identity=Identity("SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B04SIM800L24"),
    info=lambda ctx: ["SIM800 R14.18"],
    gcap="+GCAP: +CGSM",
    rats=frozenset({"gsm"}),
    charsets=CHARSETS,
    default_charset="IRA",
    tests=tests(
        CHARSETS,
        MEMORIES,
        "(0-3),(0-3),(0,2),(0,1),(0,1)",
        CFUN=("+CFUN: (0,1,4),(0-1)",),
        EXUNSOL=('+EXUNSOL: ("SQ"),(0-2)',),
        CIURC=("+CIURC: (0,1)",),
    ),
    boot_lines=("RDY", "+CFUN: 1"),
    announces_sim=True,
    ready_lines=("Call Ready", "SMS Ready"),
    noise=(Noise("sq", lambda ctx, rng: f"+CSQN: {ctx.rssi},0"),),
    silencers=('AT+EXUNSOL="SQ",0',),
    pin_retries="AT+SPIC",
    handlers={"+SPIC": _spic, "+EXUNSOL": _exunsol, "+CIURC": _ciurc},
    lacks=frozenset({"+CPINR", "+CLAC"}),
    replugs_on_reset=False,
    memories={"SM": 50, "ME": 50},
)
