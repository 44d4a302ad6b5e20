"""Received messages: what the modems' SIMs received lately, kept in memory only.

Operators' messages (a name or a short code as sender: balance, expiry and package notices)
are shown in full, for the owner to read; messages from people are shown masked (sender
masked, text as its length): the application gets them whole through its webhooks and
feeder status channels. Nothing here is stored: a restart starts the lists empty.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otpbroker.domain.message_life import InboundSms
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.i18n.formats import format_datetime
from otpbroker.i18n.translate import _, ngettext
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices


def _names(context: AdminServices) -> dict[str, str]:
    try:
        names = context.modem_records.names()
        return {str(modem_id): str(name or modem_id) for modem_id, name in names.items()}
    except Exception:  # names are cosmetic: fall back to ids
        return {}


def _when(stamp: float) -> str:
    """A local time, written for the page's language."""
    return format_datetime(datetime.fromtimestamp(stamp).astimezone())


def _length(text: str) -> str:
    """What a person's message shows instead of its text."""
    count = len(text)
    return ngettext("({count} character)", "({count} characters)", count).format(count=count)


def _row(sms: InboundSms, names: dict[str, str], whole: bool) -> dict[str, Any]:
    return {
        "modem": names.get(sms.modem_id, sms.modem_id),
        "sender": sms.sender if whole else mask_msisdn(sms.sender),
        "text": sms.text if whole else _length(sms.text),
        "sent": _when(sms.sent_at),
        "received": _when(sms.received_at),
        "at": sms.received_at,
        "parts": sms.parts,
        "partial": sms.partial,
    }


def received_page(context: AdminServices) -> str:
    """Operators' messages in full and people's masked, newest first, per modem."""
    names = _names(context)
    inbound = context.inbound
    operator = [_row(m, names, True) for ms in inbound.operator_messages().values() for m in ms]
    people = [_row(m, names, False) for ms in inbound.people_messages().values() for m in ms]
    return render(
        "inbound", _("Received messages"),
        operator=sorted(operator, key=lambda r: r["at"], reverse=True),
        people=sorted(people, key=lambda r: r["at"], reverse=True),
        enabled=inbound.poll_seconds() is not None, waiting=inbound.waiting_parts(),
    )  # fmt: skip


ROUTES = (Route("GET", "/received", received_page),)
