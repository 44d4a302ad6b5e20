"""The table of generic command handlers, and answering one command for a personality."""

from __future__ import annotations

from collections.abc import Callable

from ..context import Context, Handler
from ..results import ERROR, Reply
from ..syntax import Command

HANDLERS: dict[str, Handler] = {}
"""Generic (3GPP TS 27.005 / 27.007 and V.250) handlers by command name."""


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a generic handler for the given command names."""

    def register(func: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = func
        return func

    return register


def handler_for(ctx: Context, name: str) -> Handler | None:
    """The personality's handler for ``name``, else the generic one unless it lacks it."""
    persona = ctx.persona
    own = persona.handlers.get(name)
    if own is not None:
        return own
    if name in persona.lacking():
        return None
    return HANDLERS.get(name)


def supported(ctx: Context) -> list[str]:
    """Every extended command the modem knows, sorted (what ``AT+CLAC`` lists)."""
    names = {n for n in HANDLERS if n not in ctx.persona.lacking()} | set(ctx.persona.handlers)
    return sorted(f"AT{n}" for n in names if n[0] in "+^")


def run(ctx: Context, command: Command) -> Reply:
    """Answer one command: unknown ones get the vendor's refusal, ``=?`` its ranges, bad
    parameters ``ERROR``."""
    handler = handler_for(ctx, command.name)
    if handler is None:
        return Reply(final=ctx.persona.unknown_reply)
    if command.op == "=?":
        answer = ctx.persona.tests.get(command.name)
        if answer is None:
            return Reply()
        return answer(ctx) if callable(answer) else Reply(lines=list(answer))
    try:
        return handler(ctx, command)
    except (ValueError, IndexError, KeyError):
        return Reply(final=ERROR)
