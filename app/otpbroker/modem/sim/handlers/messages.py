"""SMS settings and the message store (3GPP TS 27.005 §3.1-3.5, TS 27.007 §5.5)."""

from __future__ import annotations

import contextlib

from ..context import Context
from ..ranges import check_values, parse_ranges
from ..results import Reply
from ..sms import MAX_TPDU
from ..store import STATUS_TEXT, StoredMessage
from ..syntax import Command, int_param, params
from .registry import handles


@handles("+CMGF")
def _cmgf(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CMGF: {ctx.state.cmgf}"])
    ctx.state.cmgf = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 1)
    return Reply()


def _charset_name(ctx: Context, raw: str) -> str:
    """The charset named by ``raw``, which may itself be UCS2 hex under ``"UCS2"``."""
    name = raw.upper()
    if name not in ctx.persona.charsets and ctx.state.cscs == "UCS2":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            name = bytes.fromhex(raw).decode("utf-16-be").upper()
    return name


@handles("+CSCS")
def _cscs(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f'+CSCS: "{ctx.state.cscs}"'])
    charset = _charset_name(ctx, params(cmd.arg)[0])
    if charset not in ctx.persona.charsets:
        return ctx.cme(4)
    ctx.state.cscs = charset
    return Reply()


@handles("+CNMI")
def _cnmi(ctx: Context, cmd: Command) -> Reply:
    state = ctx.state
    if cmd.op == "?":
        return Reply(lines=["+CNMI: " + ",".join(str(v) for v in state.cnmi)])
    values = [int(v or "0") for v in params(cmd.arg)]
    if not values:
        raise ValueError(cmd.arg)
    test = ctx.persona.tests.get("+CNMI")
    if isinstance(test, tuple):
        check_values(values, parse_ranges(test[0]))
    state.cnmi = tuple(values + list(state.cnmi[len(values) :]))
    return Reply()


@handles("+CSMP")
def _csmp(ctx: Context, cmd: Command) -> Reply:
    """Text mode parameters (TS 27.005 §3.3.2): first octet, validity, PID, DCS."""
    settings = ctx.state.settings
    if cmd.op == "?":
        values = [settings.get(f"csmp{i}", d) for i, d in enumerate((17, 167, 0, 0))]
        return Reply(lines=["+CSMP: " + ",".join(str(v) for v in values)])
    for index, raw in enumerate(params(cmd.arg)[:4]):
        if raw:
            settings[f"csmp{index}"] = int_param(raw, 0, 255)
    return Reply()


@handles("+CMMS")
def _cmms(ctx: Context, cmd: Command) -> Reply:
    supported = ctx.profile.cmms_supported
    if supported is None:
        supported = ctx.persona.cmms
    if not supported:
        return ctx.cms(500)
    if cmd.op == "?":
        return Reply(lines=[f"+CMMS: {ctx.state.cmms}"])
    ctx.state.cmms = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 2)
    return Reply()


@handles("+CSMS")
def _csms(ctx: Context, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=["+CSMS: 0,1,1,1"])
    int_param(params(cmd.arg)[0], 0, 1)
    return Reply(lines=["+CSMS: 1,1,1"])


def _store_locked(ctx: Context) -> Reply | None:
    return None if ctx.state.sim_ready else ctx.cms(ctx.state.sim_cms())


@handles("+CPMS")
def _cpms(ctx: Context, cmd: Command) -> Reply:
    locked = _store_locked(ctx)
    if locked:
        return locked
    store, state = ctx.state.card.store, ctx.state
    if cmd.op == "?":
        shown = [f'"{m}",{store.used(m)},{store.total(m)}' for m in state.cpms]
        return Reply(lines=["+CPMS: " + ",".join(shown)])
    chosen = [m.upper() for m in params(cmd.arg)][:3]
    try:
        for memory in chosen:
            store.memory(memory)
    except KeyError:
        return ctx.cms(302)
    if not chosen:
        raise ValueError(cmd.arg)
    mem1, mem2, mem3 = chosen + list(state.cpms[len(chosen) :])  # 1 to 3 chosen, the rest kept
    state.cpms = (mem1, mem2, mem3)
    counts = ",".join(f"{store.used(m)},{store.total(m)}" for m in state.cpms)
    return Reply(lines=[f"+CPMS: {counts}"])


_TEXT_STATUS = {text: number for number, text in enumerate(STATUS_TEXT)} | {"ALL": 4}


def _status(ctx: Context, raw: str) -> int:
    if ctx.state.cmgf == 0:
        return int_param(raw or "0", 0, 4)
    return _TEXT_STATUS[(raw or "REC UNREAD").upper()]


def _listing(ctx: Context, head: str, message: StoredMessage) -> list[str]:
    if ctx.state.cmgf == 0:
        return [f"{head}{message.status},,{message.tpdu_length}", message.pdu]
    when = '"30/01/02,03:04:05+00"'
    return [f'{head}"{STATUS_TEXT[message.status]}","{message.sender}",,{when}', message.text]


@handles("+CMGL")
def _cmgl(ctx: Context, cmd: Command) -> Reply:
    locked = _store_locked(ctx)
    if locked:
        return locked
    memory = ctx.state.cpms[0]
    status = _status(ctx, params(cmd.arg)[0] if cmd.arg else "")
    lines: list[str] = []
    for message in ctx.state.card.store.listed(memory, status):
        lines += _listing(ctx, f"+CMGL: {message.index},", message)
    return Reply(lines=lines)


def cmgl_test(ctx: Context) -> Reply:
    """``AT+CMGL=?``: the statuses, as numbers or texts by ``AT+CMGF``."""
    if ctx.state.cmgf == 0:
        return Reply(lines=["+CMGL: (0-4)"])
    return Reply(lines=["+CMGL: (" + ",".join(f'"{t}"' for t in (*STATUS_TEXT, "ALL")) + ")"])


@handles("+CMGR")
def _cmgr(ctx: Context, cmd: Command) -> Reply:
    locked = _store_locked(ctx)
    if locked:
        return locked
    store, memory = ctx.state.card.store, ctx.state.cpms[0]
    index = int(params(cmd.arg)[0])
    if not 0 < index <= store.total(memory):
        return ctx.cms(321)
    message = store.read(memory, index)
    return Reply(lines=_listing(ctx, "+CMGR: ", message) if message else [])


@handles("+CMGD")
def _cmgd(ctx: Context, cmd: Command) -> Reply:
    locked = _store_locked(ctx)
    if locked:
        return locked
    store, memory = ctx.state.card.store, ctx.state.cpms[0]
    values = params(cmd.arg)
    index = int(values[0])
    flag = int_param(values[1], 0, 4) if len(values) > 1 and values[1] else 0
    if flag == 0 and not 0 < index <= store.total(memory):
        return ctx.cms(321)
    store.delete(memory, index, flag)
    return Reply()


def cmgd_test(ctx: Context) -> Reply:
    """``AT+CMGD=?``: the occupied indexes and the delete flags."""
    locked = _store_locked(ctx)
    if locked:
        return locked
    used = ",".join(str(i) for i in ctx.state.card.store.indexes(ctx.state.cpms[0]))
    return Reply(lines=[f"+CMGD: ({used}),(0-4)"])


@handles("+CMGS")
def _cmgs(ctx: Context, cmd: Command) -> Reply:
    state = ctx.state
    if not state.sim_ready:
        return ctx.cms(state.sim_cms())
    if state.cmgf != 0:
        return ctx.cms(302)
    try:
        length = int_param(params(cmd.arg)[0], 1, MAX_TPDU)
    except (ValueError, IndexError):
        return ctx.cms(304)
    return Reply(final=None, prompt=length)
