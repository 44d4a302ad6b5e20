"""``simcom-sim7600``: SIMCom SIM7600E-H LTE Cat 1/4 module (GSM, UMTS and LTE).

Follows "SIM7500_SIM7600 Series AT Command Manual" V1.08 (2018-04-10): ``ATI`` in the
``Manufacturer:/Model:/Revision:/IMEI:`` style, ``AT+CGMR`` answered with a ``+CGMR:``
prefix, charsets ``("IRA","GSM","UCS2")`` starting in ``IRA``, ``AT+SPIC`` for the PIN/PUK
tries, ``AT+CPSI?`` and ``AT+CNSMOD?`` for the network, ``+CSQ``/``+CNSMOD`` reports
switched by ``AT+AUTOCSQ`` and ``AT+CNSMOD`` (``AT+AUTOCSQ=0,0`` and ``AT+CNSMOD=0`` silence
them), and the start-up lines ``RDY``, ``+CPIN: READY``, ``SMS DONE``, ``PB DONE``.

V1.08 names no IMS status command of SIMCom's own (``+CPSI`` and ``+CNSMOD`` tell the radio
only), so the IMS registration is read with the 3GPP ``AT+CIREG`` (TS 27.007 §8.71), which
this Qualcomm-based firmware is assumed to answer like the rest of the 3GPP registration
set: an assumption to check on real hardware, not a line of the manual.
"""

from __future__ import annotations

from ..context import Context
from ..results import Reply
from ..syntax import Command, int_param, params
from .base import Identity, Noise, Personality
from .common import info_lines, switch_noise, tests

CHARSETS = ("IRA", "GSM", "UCS2")
CNSMOD = {"gsm": 3, "umts": 4, "lte": 8}


def _cgmr(ctx: Context, cmd: Command) -> Reply:
    if cmd.op:
        raise ValueError(cmd.op)
    return Reply(lines=[f"+CGMR: {ctx.profile.revision}"])


def _spic(ctx: Context, cmd: Command) -> Reply:
    """``+SPIC: <pin1>,<puk1>,<pin2>,<puk2>``."""
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    return Reply(lines=[f"+SPIC: {card.pin_tries},{card.puk_tries},3,10"])


def _mode_stat(ctx: Context) -> int:
    return CNSMOD[ctx.network.rat] if ctx.registered else 0


def _cnsmod(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CNSMOD: {int('cnsmod' in ctx.state.noise)},{_mode_stat(ctx)}"])
    switch_noise(ctx, {"cnsmod"}, bool(int_param(params(cmd.arg)[0], 0, 1)))
    return Reply()


def _autocsq(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+AUTOCSQ: {int('autocsq' in ctx.state.noise)},1"])
    values = params(cmd.arg)
    switch_noise(ctx, {"autocsq"}, bool(int_param(values[0], 0, 1)))
    return Reply()


def _cpsi(ctx: Context, cmd: Command) -> Reply:
    if cmd.op != "?":
        int_param(params(cmd.arg)[0], 0, 255)
        return Reply()
    if ctx.state.cfun != 1:
        return Reply(lines=["+CPSI: NO SERVICE,Low Power Mode"])
    if not ctx.registered:
        return Reply(lines=["+CPSI: NO SERVICE,Online"])
    where = f"{ctx.plmn[:3]}-{ctx.plmn[3:]},0x{ctx.cell()[0]}"
    cell = int(ctx.cell()[1], 16)
    dbm = -113 + 2 * ctx.rssi
    shape = {
        "lte": f"LTE,Online,{where},{cell},123,EUTRAN-BAND3,1850,5,5,-94,-850,{dbm * 10},14",
        "umts": f"WCDMA,Online,{where},{cell},WCDMA IMT 2000,10737,0,0,{dbm},-95,20",
        "gsm": f"GSM,Online,{where},{cell % 65535},45 EGSM 900,{dbm},0,40-40",
    }
    return Reply(lines=[f"+CPSI: {shape[ctx.network.rat]}"])


SIM7600 = Personality(
    name="simcom-sim7600",
    summary="SIMCom SIM7600E-H LTE module",
    manual="SIM7500_SIM7600 Series AT Command Manual V1.08",
    identity=Identity("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "LE20B04SIM7600M22"),
    info=info_lines,
    gcap="+GCAP: +CGSM",
    rats=frozenset({"gsm", "umts", "lte"}),
    charsets=CHARSETS,
    default_charset="IRA",
    tests=tests(
        CHARSETS,
        ("ME", "MT", "SM", "SR"),
        "(0-2),(0-3),(0,2),(0-2),(0,1)",
        CPSI=("+CPSI: (0-255)",),
        CNSMOD=("+CNSMOD: (0-1)",),
        AUTOCSQ=("+AUTOCSQ: (0-1),(0-1)",),
    ),
    boot_lines=("RDY",),
    announces_sim=True,
    ready_lines=("SMS DONE", "PB DONE"),
    noise=(
        Noise("autocsq", lambda ctx, rng: f"+CSQ: {ctx.rssi},99"),
        Noise("cnsmod", lambda ctx, rng: f"+CNSMOD: {_mode_stat(ctx)}"),
    ),
    silencers=("AT+AUTOCSQ=0,0", "AT+CNSMOD=0"),
    pin_retries="AT+SPIC",
    status_commands=("AT+CPSI?", "AT+CNSMOD?"),
    handlers={
        "+CGMR": _cgmr,
        "+SPIC": _spic,
        "+CNSMOD": _cnsmod,
        "+AUTOCSQ": _autocsq,
        "+CPSI": _cpsi,
    },
    lacks=frozenset({"+CPINR"}),
    memories={"SM": 50, "ME": 100, "SR": 50},
)
