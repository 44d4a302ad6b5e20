"""The PIN faults: a modem that does not confirm a PIN typed at it.

Field reports describe firmware that hangs on its SIM right when a PIN goes in, and modems
that ignore ``AT+CMEE=1`` and answer a wrong PIN with a plain ``ERROR``. Either way a driver
cannot tell whether the PIN cost a try, so it must not type it again:

- ``pin-no-answer``: ``AT+CPIN=<pin>`` gets no answer at all, and the SIM never sees the
  PIN (it stays locked, no try is used);
- ``pin-error``: ``AT+CPIN=<pin>`` is answered as with ``AT+CMEE=0``: a wrong PIN gets a
  plain ``ERROR`` (its try is used, as always), a right one ``OK``.
"""

from __future__ import annotations

from . import handlers
from .context import Context
from .faults import Faults
from .results import Reply
from .syntax import Command


def pin_fault_reply(ctx: Context, command: Command, faults: Faults) -> Reply | None:
    """What a modem with a PIN fault answers ``command`` with, or ``None`` when it answers
    as usual (every command but ``AT+CPIN=<pin>`` with a SIM in it)."""
    if command.name != "+CPIN" or command.op != "=" or not ctx.state.card.present:
        return None
    if faults.pin_no_answer:
        ctx.state.card.pin_entries += 1
        return Reply(final=None)
    if faults.pin_plain_error:
        cmee, ctx.state.cmee = ctx.state.cmee, 0
        try:
            return handlers.run(ctx, command)
        finally:
            ctx.state.cmee = cmee
    return None
