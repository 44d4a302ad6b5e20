"""The fleet page: which devices consume which queues now, each device's modems and
counters (their heartbeats), and which device sent a message id (the shared ledger).

Shows ids, device and modem names, states and counters only: never a text or a number.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

import bottle

from otpbroker.i18n.formats import format_datetime
from otpbroker.i18n.translate import _
from otpbroker.services.fleet_names import device_of
from otpbroker.web.admin.modem_words import word
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

MAX_ID_CHARS = 200


def _html(value: object) -> str:
    """A value made safe to place inside translated HTML (the template's ``{{!...}}``)."""
    return escape(str(value))


def _when(stamp: float) -> str:
    """A moment in local time, written for the page's language."""
    return format_datetime(datetime.fromtimestamp(stamp).astimezone())


def _lookup(context: AdminServices, message_id: str) -> dict[str, Any] | None:
    if not message_id:
        return None
    try:
        held = context.fleet.who_sent(message_id)
    except OSError as exc:
        return {"error": str(exc)}
    if held is None:
        return {"none": True}
    return {"device": held.device, "state": word(held.state), "at": _when(held.at)}


def fleet_page(context: AdminServices) -> str:
    """Devices, consumers and the message id lookup."""
    message_id = (bottle.request.query.getunicode("id", default="") or "").strip()[:MAX_ID_CHARS]
    fleet, devices, devices_error = context.fleet, [], None
    try:
        devices = [{"device": b.device, "at": _when(b.at), "modems": b.modems}
                   for b in fleet.devices()]  # fmt: skip
    except OSError as exc:
        devices_error = str(exc)
    return render(
        "fleet", _("Fleet"), state=fleet.ledger_state(), devices=devices,
        devices_error=devices_error, consumers=fleet.consumers(), device_of=device_of,
        connection=fleet.connection_name(), message_id=message_id,
        lookup=_lookup(context, message_id), html=_html, word=word,
    )  # fmt: skip


ROUTES = (Route("GET", "/fleet", fleet_page),)
