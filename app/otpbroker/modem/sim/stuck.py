"""The ``stuck`` fault: the command interpreter answers, the SIM and SMS stack does not.

Field reports (Quectel, SIMCom and Huawei users) describe modems that still answer ``AT``,
their identity and ``AT+CFUN`` while every SIM command gets ``+CME ERROR: 14`` (SIM busy,
3GPP TS 27.007 §9.2) and every SMS command ``+CMS ERROR: 314`` (SIM busy, TS 27.005 §3.2.5)
or ``500``, until the modem is restarted; re-opening the port changes nothing.
"""

from __future__ import annotations

from . import handlers
from .context import Context
from .results import Reply
from .syntax import Command

SIM_BUSY = 14
SIM_COMMANDS = frozenset({
    "+CPIN", "+CPINR", "+CIMI", "+CNUM", "+CLCK", "+CRSM", "+CSIM", "+CCID", "+ICCID",
    "^CPIN", "+QPINC", "+SPIC", "+ZPINPUK",
})  # fmt: skip
"""Commands that read or change the SIM (the standard ones and the vendors' PIN tries)."""
SMS_COMMANDS = frozenset({
    "+CMGS", "+CMSS", "+CMGW", "+CPMS", "+CMGL", "+CMGR", "+CMGD", "+CSCA", "+CNMA",
})  # fmt: skip
"""Commands that need the SMS stack or the SIM's message store and SMS centre."""


def stuck_reply(ctx: Context, command: Command, sms_code: int) -> Reply | None:
    """The error a stuck modem answers ``command`` with, or ``None`` when it answers as
    usual (commands it does not know keep their usual refusal; test forms still list)."""
    if command.op == "=?" or handlers.handler_for(ctx, command.name) is None:
        return None
    if command.name in SIM_COMMANDS:
        return ctx.cme(SIM_BUSY)
    if command.name in SMS_COMMANDS:
        return ctx.cms(sms_code)
    return None
