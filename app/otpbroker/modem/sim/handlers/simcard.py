"""The SIM: PIN and PUK (3GPP TS 27.007 §8.3, §8.65), subscriber identity, SMSC address."""

from __future__ import annotations

from ..context import Context
from ..results import Reply
from ..state import PUK_TRIES, SimStatus
from ..syntax import Command, params
from .registry import handles

READY_DELAY = 0.05
"""Seconds between an accepted PIN and the lines a modem prints once its SIM is ready."""


def number_type(number: str) -> int:
    """Type of address: 145 international, 129 unknown."""
    return 145 if number.startswith("+") else 129


@handles("+CPIN")
def _cpin(ctx: Context, cmd: Command) -> Reply:
    card = ctx.state.card
    if not card.present:
        return ctx.cme(10)
    if cmd.op == "?":
        return Reply(lines=[f"+CPIN: {card.status.value}"])
    values = params(cmd.arg)
    if cmd.op == "=":
        card.pin_entries += 1
    status = card.status
    if status is SimStatus.READY:
        return ctx.cme(3)
    if status is SimStatus.PUK:
        if len(values) < 2 or card.puk_tries <= 0:
            return ctx.cme(12 if card.puk_tries > 0 else 13)
        return _unlocked(ctx) if card.enter_puk(values[0], values[1]) else ctx.cme(16)
    return _unlocked(ctx) if card.enter_pin(values[0]) else ctx.cme(16)


def _unlocked(ctx: Context) -> Reply:
    return Reply(after=list(ctx.persona.ready_lines), after_delay=READY_DELAY)


def pin_counts(ctx: Context) -> tuple[int, int, int, int]:
    """(PIN, PUK, PIN2, PUK2) tries left as the card says."""
    card = ctx.state.card
    return card.pin_tries, card.puk_tries, 3, PUK_TRIES


@handles("+CPINR")
def _cpinr(ctx: Context, cmd: Command) -> Reply:
    if not ctx.state.card.present:
        return ctx.cme(10)
    pin, puk, pin2, puk2 = pin_counts(ctx)
    rows = [
        ("SIM PIN", pin, 3),
        ("SIM PUK", puk, 10),
        ("SIM PIN2", pin2, 3),
        ("SIM PUK2", puk2, 10),
    ]
    wanted = params(cmd.arg)[0].upper() if cmd.arg else "*"
    prefix = wanted.rstrip("*")
    wild = wanted.endswith("*")
    chosen = [r for r in rows if r[0] == wanted or (wild and r[0].startswith(prefix))]
    return Reply(lines=[f"+CPINR: {code},{left},{default}" for code, left, default in chosen])


@handles("+CIMI")
def _cimi(ctx: Context, cmd: Command) -> Reply:
    return ctx.sim_locked() or Reply(lines=[ctx.profile.imsi])


@handles("+CNUM")
def _cnum(ctx: Context, cmd: Command) -> Reply:
    msisdn = ctx.profile.msisdn
    line = f'+CNUM: "","{msisdn}",{number_type(msisdn)}'
    return ctx.sim_locked() or Reply(lines=[line])


@handles("+CSCA")
def _csca(ctx: Context, cmd: Command) -> Reply:
    locked = ctx.sim_locked()
    if locked:
        return locked
    state = ctx.state
    if cmd.op == "?":
        return Reply(lines=[f'+CSCA: "{state.smsc}",{number_type(state.smsc)}'])
    number = params(cmd.arg)[0]
    if not number.lstrip("+").isdigit():
        raise ValueError(number)
    state.smsc = number
    return Reply()
