"""USSD (3GPP TS 27.007 §7.15) and packet data calls (§10.1.1, V.250 ``D``/``O``/``H``)."""

from __future__ import annotations

import re

from .. import ussd
from ..context import Context
from ..results import OK, Reply
from ..syntax import Command, int_param, params
from .registry import handles

_DATA_CALL = re.compile(r"\*99(?:\*[^*#]*(?:\*[^*#]*(?:\*([0-9]{1,2}))?)?)?#")


@handles("+CUSD")
def _cusd(ctx: Context, cmd: Command) -> Reply:
    state = ctx.state
    if cmd.op == "?":
        return Reply(lines=[f"+CUSD: {state.cusd}"])
    values = params(cmd.arg)
    mode = int_param(values[0] if values and values[0] else "0", 0, 2)
    if mode == 2 or len(values) < 2:
        state.cusd = mode if mode < 2 else state.cusd
        return Reply()
    locked = ctx.sim_locked()
    if locked:
        return locked
    if not ctx.registered:
        return ctx.cme(30)
    state.cusd = mode
    return _answer(ctx, ussd.request_code(values[1], state.cscs))


def _answer(ctx: Context, code: str) -> Reply:
    """OK plus a ``+CUSD`` line before or after it, once the network answered."""
    profile = ctx.profile
    wait = ctx.delay(profile.ussd_delay, profile.ussd_delay_range)
    reply = profile.ussd.get(code)
    if reply is None or ctx.network.sms_path in ("none", "ims"):  # no CS domain: no USSD
        return Reply(after=["+CUSD: 4"], after_delay=wait)
    payload, dcs = ussd.present(reply, ctx.persona.ussd_style, ctx.state.cscs)
    line = f'+CUSD: 0,"{payload}",{dcs}'
    if reply.order == "before":
        return Reply(before=[line], delay=wait)
    return Reply(after=[line], after_delay=wait)


@handles("+CGDCONT")
def _cgdcont(ctx: Context, cmd: Command) -> Reply:
    contexts = ctx.state.contexts
    if cmd.op == "?":
        rows = sorted(contexts.items())
        return Reply(lines=[f'+CGDCONT: {cid},"IP","{apn}"' for cid, apn in rows])
    values = params(cmd.arg)
    cid = int_param(values[0], 1, 16)
    if len(values) == 1:
        contexts.pop(cid, None)
        return Reply()
    if values[1].upper() not in ("IP", "IPV6", "IPV4V6", "PPP"):
        raise ValueError(values[1])
    contexts[cid] = values[2] if len(values) > 2 else ""
    return Reply()


@handles("D")
def _dial(ctx: Context, cmd: Command) -> Reply:
    """A packet data call ``ATD[T|P]*99[***<cid>]#``; anything else gets NO CARRIER."""
    number = cmd.arg[1:] if cmd.arg[:1] in ("T", "t", "P", "p") else cmd.arg
    match = _DATA_CALL.fullmatch(number.strip())
    if match is None:
        return Reply(final="NO CARRIER")
    locked = ctx.sim_locked()
    if locked:
        return locked
    cid = int(match[1] or "1")
    apn = ctx.state.contexts.get(cid, "")
    if cid != 1 and cid not in ctx.state.contexts:
        return Reply(final="NO CARRIER")
    accepted = ctx.profile.accepted_apns
    if (accepted is not None and apn not in accepted) or ctx.ps_stat not in (1, 5):
        return Reply(final="NO CARRIER")
    ctx.state.in_call = True
    return Reply(final="CONNECT", data_mode=True)


@handles("O")
def _online(ctx: Context, cmd: Command) -> Reply:
    if not ctx.state.in_call:
        return Reply(final="NO CARRIER")
    return Reply(final="CONNECT", data_mode=True)


@handles("H")
def _hang_up(ctx: Context, cmd: Command) -> Reply:
    ctx.state.in_call = False
    return Reply(final=OK)


@handles("+CHUP")
def _chup(ctx: Context, cmd: Command) -> Reply:
    """Hang up (TS 27.007 §6.5): no voice call is ever up here."""
    return Reply()


@handles("+CLIP", "+CRC", "+CVHU")
def _call_switch(ctx: Context, cmd: Command) -> Reply:
    """Calling line presentation (§7.6), cellular result codes (§6.11) and voice hang-up
    control (§6.20): switches kept per power-up."""
    key = cmd.name
    settings = ctx.state.settings
    if cmd.op == "?":
        value = settings.get(key, 0)
        return Reply(lines=[f"{key}: {value},1" if key == "+CLIP" else f"{key}: {value}"])
    settings[key] = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 2)
    return Reply()
