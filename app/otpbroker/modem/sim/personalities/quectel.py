"""``quectel-ec25``: Quectel EC25-E LTE Cat 4 module (GSM, UMTS and LTE).

Follows "Quectel EC25&EC21 AT Commands Manual" V1.3 (2018-09-20): identification without
prefixes (``AT+CGSN`` answers the bare IMEI), charsets ``("GSM","IRA","UCS2")`` starting in
``GSM``, ``AT+QPINC`` for the PIN/PUK tries, ``AT+QNWINFO`` and ``AT+QCFG="ims"`` for the
network, ``+QIND`` indications switched by ``AT+QINDCFG`` (``AT+QINDCFG="all",0`` silences
them), and the start-up lines ``RDY``, ``+CFUN: 1``, ``+CPIN: READY``, ``+QUSIM: 1``,
``+QIND: SMS DONE``, ``+QIND: PB DONE``. USSD replies come as UCS2 hex (DCS 72), as field
reports from EC25 and EG25 users describe.

The manual describes no ``AT+CIREG`` (its packet domain chapter has ``+CGREG``, ``+CGSMS``
and ``+CEREG``, nothing for IMS), so it answers ``ERROR`` here; the IMS state is told the
Quectel way instead, by ``AT+QCFG="ims"``: ``<IMS>`` (0 as the MBN file says, 1 on, 2 off) and
``<VoLTE_state>`` (1 once IMS is registered, which is what SMS over IMS needs).
"""

from __future__ import annotations

import random

from ..context import Context
from ..results import Reply
from ..syntax import Command, int_param, params
from .base import Identity, Noise, Personality
from .common import quoted_list, rat_word, switch_noise, tests

CHARSETS = ("GSM", "IRA", "UCS2")
INDICATIONS = ("all", "csq", "smsfull", "ring", "smsincoming", "act")
ACT_WORD = {"gsm": "GSM", "umts": "WCDMA", "lte": "LTE"}
NWINFO = {
    "gsm": ('"GSM"', '"GSM 1800"', 637),
    "umts": ('"WCDMA"', '"WCDMA 2100"', 10737),
    "lte": ('"FDD LTE"', '"LTE BAND 3"', 1850),
}


def _info(ctx: Context) -> list[str]:
    profile = ctx.profile
    return [profile.manufacturer, profile.model, f"Revision: {profile.revision}"]


def _qindcfg(ctx: Context, cmd: Command) -> Reply:
    values = params(cmd.arg)
    kind = values[0].lower()
    if kind not in INDICATIONS:
        raise ValueError(kind)
    groups = set(INDICATIONS[1:]) if kind == "all" else {kind}
    if len(values) == 1:
        on = int(bool(groups & ctx.state.noise))
        return Reply(lines=[f'+QINDCFG: "{kind}",{on}'])
    switch_noise(ctx, groups, bool(int_param(values[1], 0, 1)))
    return Reply()


def _qpinc(ctx: Context, cmd: Command) -> Reply:
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    rows = {"SC": f'+QPINC: "SC",{card.pin_tries},{card.puk_tries}', "P2": '+QPINC: "P2",3,10'}
    if cmd.op == "?":
        return Reply(lines=list(rows.values()))
    return Reply(lines=[rows[params(cmd.arg)[0].upper()]])


def _qnwinfo(ctx: Context, cmd: Command) -> Reply:
    if cmd.op:
        raise ValueError(cmd.op)
    if not ctx.registered:
        return Reply(lines=["+QNWINFO: No Service"])
    act, band, channel = NWINFO[ctx.network.rat]
    return Reply(lines=[f'+QNWINFO: {act},"{ctx.plmn}",{band},{channel}'])


def _qcfg(ctx: Context, cmd: Command) -> Reply:
    values = params(cmd.arg)
    item = values[0].lower()
    settings = ctx.state.settings
    if item == "ims":
        if len(values) > 1:
            settings["ims"] = int_param(values[1], 0, 2)
            return Reply()
        if ctx.network.radio == "lte-no-sms":  # IMS switched on, never gets registered
            return Reply(lines=['+QCFG: "ims",1,0'])
        ready = int(ctx.ims_registered)  # <VoLTE_state>: IMS registered (SMS over IMS)
        return Reply(lines=[f'+QCFG: "ims",{settings.get("ims", 0)},{ready}'])
    if item == "nwscanmode":
        if len(values) > 1:
            settings["nwscanmode"] = int_param(values[1], 0, 3)
            return Reply()
        return Reply(lines=[f'+QCFG: "nwscanmode",{settings.get("nwscanmode", 0)}'])
    raise ValueError(item)


def _csq_line(ctx: Context, rng: random.Random) -> str:
    return f'+QIND: "csq",{ctx.rssi},99'


EC25 = Personality(
    name="quectel-ec25",
    summary="Quectel EC25-E LTE module",
    manual="Quectel EC25&EC21 AT Commands Manual V1.3",
    identity=Identity("Quectel", "EC25", "EC25EFAR06A03M4G"),
    info=_info,
    gcap="+GCAP: +CGSM",
    rats=frozenset({"gsm", "umts", "lte"}),
    charsets=CHARSETS,
    default_charset="GSM",
    tests=tests(
        CHARSETS,
        ("SM", "ME", "MT"),
        "(0-2),(0-3),(0,2),(0-2),(0,1)",
        QINDCFG=tuple(f'+QINDCFG: "{kind}",(0,1),(0,1)' for kind in INDICATIONS),
        QPINC=(f"+QPINC: {quoted_list(('SC', 'P2'))}",),
        QCFG=('+QCFG: "ims",(0-2)', '+QCFG: "nwscanmode",(0-3),(0,1)'),
    ),
    boot_lines=("RDY", "+CFUN: 1"),
    announces_sim=True,
    ready_lines=("+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
    noise=(
        Noise("csq", _csq_line),
        Noise("act", lambda ctx, rng: f'+QIND: "act","{rat_word(ctx, ACT_WORD, "NONE")}"'),
    ),
    silencers=('AT+QINDCFG="all",0',),
    pin_retries="AT+QPINC?",
    status_commands=("AT+QNWINFO", 'AT+QCFG="ims"'),
    handlers={"+QINDCFG": _qindcfg, "+QPINC": _qpinc, "+QNWINFO": _qnwinfo, "+QCFG": _qcfg},
    lacks=frozenset({"+CPINR", "+CIREG"}),
    ussd_style="ucs2",
    memories={"SM": 50, "ME": 255},
)
