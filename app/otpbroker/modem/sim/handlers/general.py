"""V.250 basics, identification, error format and functionality (``+CFUN``)."""

from __future__ import annotations

from ..context import Context
from ..results import ERROR, Reply
from ..syntax import Command, int_param, params
from .registry import handles, supported


def flag(value: str, allowed: str = "01") -> int:
    """A one-digit switch (empty = 0); ``ValueError`` outside ``allowed``."""
    if (value or "0") not in allowed:
        raise ValueError(value)
    return int(value or "0")


@handles("E")
def _echo(ctx: Context, cmd: Command) -> Reply:
    ctx.state.echo = bool(flag(cmd.arg))
    return Reply()


@handles("V")
def _verbose(ctx: Context, cmd: Command) -> Reply:
    return Reply() if cmd.arg in ("", "1") else Reply(final=ERROR)


@handles("Q", "&C", "&D", "&K", "&W", "S")
def _accept(ctx: Context, cmd: Command) -> Reply:
    if cmd.name == "S" and cmd.op == "?":
        return Reply(lines=["000"])
    return Reply()


@handles("Z", "&F")
def _reset(ctx: Context, cmd: Command) -> Reply:
    ctx.state.factory_reset()
    return Reply()


@handles("I")
def _info(ctx: Context, cmd: Command) -> Reply:
    return Reply(lines=ctx.persona.info(ctx))


@handles("+GCAP")
def _gcap(ctx: Context, cmd: Command) -> Reply:
    return Reply(lines=[ctx.persona.gcap])


@handles("+CLAC")
def _clac(ctx: Context, cmd: Command) -> Reply:
    return Reply(lines=supported(ctx))


@handles("+CMEE")
def _cmee(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CMEE: {ctx.state.cmee}"])
    ctx.state.cmee = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 2)
    return Reply()


def identification(ctx: Context, key: str) -> str:
    """Manufacturer, model, revision or IMEI as the profile says."""
    profile = ctx.profile
    return {
        "GMI": profile.manufacturer,
        "GMM": profile.model,
        "GMR": profile.revision,
        "GSN": profile.imei,
    }[key]


@handles("+CGMI", "+GMI", "+CGMM", "+GMM", "+CGMR", "+GMR", "+CGSN", "+GSN")
def _identity(ctx: Context, cmd: Command) -> Reply:
    if cmd.op:
        raise ValueError(cmd.op)
    key = cmd.name.removeprefix("+").removeprefix("C")
    value = identification(ctx, key)
    prefixed = ctx.profile.cgsn_prefixed
    if prefixed is None:
        prefixed = ctx.persona.cgsn_prefixed
    if cmd.name == "+CGSN" and prefixed:
        value = f"+CGSN: {value}"
    return Reply(lines=[value])


@handles("+CFUN")
def _cfun(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CFUN: {ctx.state.cfun}"])
    values = params(cmd.arg)
    fun = int_param(values[0], 0, 4)
    if fun not in (0, 1, 4):
        return ctx.cme(4)
    reset = int_param(values[1], 0, 1) if len(values) > 1 and values[1] else 0
    if reset and fun != 1:
        return ctx.cme(3)
    ctx.state.cfun = fun
    return Reply(reboot=bool(reset))
