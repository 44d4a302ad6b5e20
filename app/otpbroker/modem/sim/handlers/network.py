"""Signal and registration (3GPP TS 27.007 §7.2, §7.3, §8.5, §8.71, §10.1.20-22), told the
way the network conditions shape them."""

from __future__ import annotations

from ..context import Context
from ..results import Reply
from ..syntax import Command, int_param, params
from .registry import handles

NEIGHBOURS = (("XL Axiata", "XL", "51011", 7), ("INDOSAT OOREDOO", "ISAT", "51001", 2))
"""Other networks an ``AT+COPS=?`` scan finds."""
IMS_CAPABILITIES = 0x1 | 0x4
"""``+CIREG`` ``<ext_info>`` while registered (TS 27.007 §8.71): voice over MMTEL (1) and
SMS using IMS (4)."""


@handles("+CSQ")
def _csq(ctx: Context, cmd: Command) -> Reply:
    rssi = ctx.rssi
    return Reply(lines=[f"+CSQ: {rssi},99"])


def _registration(ctx: Context, name: str, mode: int, stat: int) -> str:
    """``+CREG: <n>,<stat>[,<lac>,<ci>,<AcT>]`` (``+CGREG``/``+CEREG`` alike)."""
    line = f"{name}: {mode},{stat}"
    if mode >= 2 and stat in (1, 5):
        area, cell = ctx.cell()
        line += f',"{area}","{cell}",{ctx.act}'
    return line


def _mode(cmd: Command, allowed: tuple[int, ...]) -> int:
    mode = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 5)
    if mode not in allowed:
        raise ValueError(mode)
    return mode


@handles("+CREG")
def _creg(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[_registration(ctx, "+CREG", ctx.state.creg, ctx.cs_stat)])
    ctx.state.creg = _mode(cmd, (0, 1, 2))
    return Reply()


@handles("+CGREG")
def _cgreg(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[_registration(ctx, "+CGREG", ctx.state.cgreg, ctx.ps_stat)])
    ctx.state.cgreg = _mode(cmd, (0, 1, 2))
    return Reply()


@handles("+CEREG")
def _cereg(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[_registration(ctx, "+CEREG", ctx.state.cereg, ctx.eps_stat)])
    ctx.state.cereg = _mode(cmd, (0, 1, 2, 4))
    return Reply()


@handles("+COPS")
def _cops(ctx: Context, cmd: Command) -> Reply:
    if cmd.op != "?":
        values = params(cmd.arg)
        int_param(values[0] if values else "0", 0, 4)
        return ctx.sim_locked() or Reply()
    locked = ctx.sim_locked()
    if locked:
        return locked
    if ctx.state.cfun != 1:
        return Reply(lines=["+COPS: 2"])
    if not ctx.registered:  # automatic selection, no operator (searching or denied)
        return Reply(lines=["+COPS: 0"])
    return Reply(lines=[f'+COPS: 0,0,"{ctx.operator}",{ctx.act}'])


def scan(ctx: Context) -> Reply:
    """``AT+COPS=?``: the networks in reach, after the time a scan takes (the home network
    is current, or forbidden when it denied registration, or just available)."""
    if not ctx.state.card.present or ctx.state.cfun != 1:
        return ctx.cme(30)
    home = 2 if ctx.registered else (3 if ctx.network.unregistered == 3 else 1)
    found = [f'({home},"{ctx.operator}","{ctx.operator[:8]}","{ctx.plmn}",{ctx.act})']
    found += [f'(1,"{name}","{short}","{plmn}",{act})' for name, short, plmn, act in NEIGHBOURS]
    line = "+COPS: " + ",".join(found) + ",,(0-4),(0-2)"
    return Reply(lines=[line], delay=ctx.profile.scan_delay)


@handles("+CIREG")
def _cireg(ctx: Context, cmd: Command) -> Reply:
    """``+CIREG: <n>,<reg_info>[,<ext_info>]``; ``<ext_info>`` (hex) only with ``<n>`` 2
    while registered."""
    if cmd.op == "?":
        registered = int(ctx.ims_registered)
        line = f"+CIREG: {ctx.state.cireg},{registered}"
        if ctx.state.cireg == 2 and registered:
            line += f",{IMS_CAPABILITIES:X}"
        return Reply(lines=[line])
    ctx.state.cireg = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 2)
    return Reply()


@handles("+CGSMS")
def _cgsms(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CGSMS: {ctx.state.cgsms}"])
    ctx.state.cgsms = int_param(params(cmd.arg)[0], 0, 3)
    return Reply()


@handles("+CGATT")
def _cgatt(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CGATT: {1 if ctx.ps_stat in (1, 5) else 0}"])
    int_param(params(cmd.arg)[0], 0, 1)
    return Reply()
