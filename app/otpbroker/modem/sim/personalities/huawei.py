"""``huawei-e3131``: Huawei E3131 UMTS stick with "stick" firmware 21.x (serial ports, no
HiLink).

Follows "HUAWEI UMTS Datacard Modem AT Command Interface Specification" (V2.3) and the
"HUAWEI UMTS M2M Module AT Command Interface Specification" (Issue 18, 2009-06-22) where the
datacard book is silent; field facts from Gammu's phone table (E3131: packed USSD in the GSM
charset, ``AT^CURC=0`` at start) and ModemManager's Huawei plugin (``^SYSINFO``,
``^SYSINFOEX``, ``^CPIN`` formats). The stick starts in charset ``IRA``, answers commands it
does not know with ``COMMAND NOT SUPPORT``, refuses ``AT+CMMS`` with ``+CMS ERROR: 500``,
reports ``^RSSI``, ``^MODE``, ``^DSFLOWRPT``, ``^BOOT`` and ``^SRVST`` until ``AT^CURC=0``,
shows USSD replies as packed GSM 7-bit hex with DCS 15 and expects requests packed too.
"""

from __future__ import annotations

import random

from ..context import Context
from ..results import Reply
from ..state import SimStatus
from ..syntax import Command, int_param, params
from .base import Identity, Noise, Personality
from .common import info_lines, rat_word, switch_noise, tests

CHARSETS = ("IRA", "UCS2", "GSM")
SYS_MODE = {"gsm": 3, "umts": 5}
SUBMODE = {"gsm": 3, "umts": 4}


def _curc(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"^CURC: {1 if 'curc' in ctx.state.noise else 0}"])
    switch_noise(ctx, {"curc"}, bool(int_param(params(cmd.arg)[0], 0, 1)))
    return Reply()


def _cpin(ctx: Context, cmd: Command) -> Reply:
    """``^CPIN: <code>,[<times>],<puk_times>,<pin_times>,<puk2_times>,<pin2_times>``."""
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    if cmd.op != "?":
        raise ValueError(cmd.op)
    status = card.status
    times = {SimStatus.PIN: card.pin_tries, SimStatus.PUK: card.puk_tries}.get(status, "")
    line = f"^CPIN: {status.value},{times},{card.puk_tries},{card.pin_tries},10,3"
    return Reply(lines=[line])


def _service(ctx: Context) -> tuple[int, int, int]:
    """(srv_status, srv_domain, sim_state) of ``^SYSINFO``."""
    sim = 1 if ctx.state.card.present else 255
    if ctx.registered:
        return 2, 3, sim
    searching = ctx.network.unregistered == 2  # no service; else restricted (denied, no SIM)
    return (0 if ctx.state.cfun != 1 or searching else 1), 0, sim


def _sysinfo(ctx: Context, cmd: Command) -> Reply:
    status, domain, sim = _service(ctx)
    roam = int(ctx.network.roaming and ctx.registered)
    mode = rat_word(ctx, {k: str(v) for k, v in SYS_MODE.items()}, "0")
    sub = rat_word(ctx, {k: str(v) for k, v in SUBMODE.items()}, "0")
    return Reply(lines=[f"^SYSINFO:{status},{domain},{roam},{mode},{sim},,{sub}"])


def _sysinfoex(ctx: Context, cmd: Command) -> Reply:
    status, domain, sim = _service(ctx)
    roam = int(ctx.network.roaming and ctx.registered)
    if ctx.registered and ctx.network.rat == "gsm":
        radio = '1,"GSM",3,"EDGE"'
    elif ctx.registered:
        radio = '3,"WCDMA",41,"WCDMA"'
    else:
        radio = '0,"NO SERVICE",0,"NO SERVICE"'
    return Reply(lines=[f"^SYSINFOEX:{status},{domain},{roam},{sim},,{radio}"])


def _portsel(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=["^PORTSEL: 0"])
    int_param(params(cmd.arg)[0], 0, 1)
    return Reply()


def _flow(ctx: Context, rng: random.Random) -> str:
    seconds, sent, got = rng.randrange(1, 0xFFFF), rng.randrange(0, 2**24), rng.randrange(0, 2**26)
    return f"^DSFLOWRPT:{seconds:08X},00000000,00000000,{sent:016X},{got:016X},0003E800,0003E800"


def _mode(ctx: Context, rng: random.Random) -> str:
    return f"^MODE:{SYS_MODE[ctx.network.rat]},{SUBMODE[ctx.network.rat]}"


HUAWEI_E3131 = Personality(
    name="huawei-e3131",
    summary="Huawei E3131 UMTS stick, stick firmware 21.x",
    manual="HUAWEI UMTS Datacard Modem AT Command Interface Specification V2.3",
    identity=Identity("huawei", "E3131", "21.158.00.00.143"),
    info=info_lines,
    gcap="+GCAP: +CGSM,+DS,+ES",
    rats=frozenset({"gsm", "umts"}),
    charsets=CHARSETS,
    default_charset="IRA",
    tests=tests(
        CHARSETS,
        ("SM", "ME"),
        "(0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)",
        **{"^CURC": ("^CURC: (0-1)",), "^PORTSEL": ("^PORTSEL: (0-1)",)},
    ),
    ready_lines=("^SIMST: 1", "^SRVST: 2"),
    noise=(
        Noise("curc", lambda ctx, rng: f"^RSSI:{ctx.rssi}"),
        Noise("curc", _mode),
        Noise("curc", _flow),
        Noise("curc", lambda ctx, rng: f"^BOOT:{rng.randrange(10**7, 10**8)},0,0,0,75"),
        Noise("curc", lambda ctx, rng: f"^SRVST:{2 if ctx.registered else 1}"),
    ),
    silencers=("AT^CURC=0",),
    pin_retries="AT^CPIN?",
    status_commands=("AT^SYSINFO", "AT^SYSINFOEX"),
    handlers={
        "^CURC": _curc,
        "^CPIN": _cpin,
        "^SYSINFO": _sysinfo,
        "^SYSINFOEX": _sysinfoex,
        "^PORTSEL": _portsel,
    },
    lacks=frozenset({"+CLAC", "+CPINR"}),
    ussd_style="packed",
    ussd_wants_packed=True,
    cmms=False,
    unknown_reply="COMMAND NOT SUPPORT",
    memories={"SM": 30, "ME": 20},
)
