"""Blocking list: numbers that receive no SMS from any modem.

Add a number in any form (stored in MSISDN form by the configuration), unblock it (which
removes the entry, as REST, RabbitMQ, WebSocket and MQTT unblocking does), search by digits,
and see where each block came from and when. Newest first, 100 a page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import bottle

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import normalize_msisdn
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route

COLLECTION = "blocklist"
PAGE_SIZE = 100
SOURCES = {
    "admin": "admin",
    "rest": "REST API",
    "rabbitmq": "RabbitMQ",
    "amqp": "RabbitMQ",
    "ws": "WebSocket",
    "mqtt": "MQTT",
    "cli": "command line",
}
SEPARATORS = frozenset("-.()")


def _when(text: str) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM UTC`` (unparsable text is shown as it is)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def needles(query: str, country_code: str) -> list[str]:
    """Digits to look for in the MSISDNs; a national ``0...`` also as ``<cc>...``."""
    compact = "".join(c for c in query if not c.isspace() and c not in SEPARATORS)
    digits = "".join(c for c in compact if c.isdigit())
    if not digits:
        return []
    found = [digits]
    if compact.startswith("00") and len(digits) > 2:
        found.append(digits[2:])
    elif compact.startswith("0"):
        found.append(country_code + digits[1:])
    return found


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else default


def _back(query: str, page: int) -> str:
    params = {key: value for key, value in (("q", query), ("page", page)) if value and value != 1}
    return "/blocklist" + ("?" + urlencode(params) if params else "")


def _page(context: AdminContext, errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> str:  # fmt: skip
    query = (bottle.request.query.getunicode("q", default="") or "").strip()[:40]
    wanted = needles(query, str(context.repo.get("device.country_code")))
    entries = list(reversed(context.repo.list(COLLECTION)))  # newest first
    total = len(entries)
    if query:
        entries = [e for e in entries if any(n in str(e["msisdn"]) for n in wanted)]
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    number = min(max(1, _int(bottle.request.query.get("page"), 1)), pages)
    shown = entries[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    rows = [
        {"id": e["id"], "msisdn": e["msisdn"], "when": _when(e.get("created_at", "")),
         "source": SOURCES.get(str(e.get("source")), str(e.get("source") or "unknown"))}
        for e in shown
    ]  # fmt: skip
    links = {
        "prev": _back(query, number - 1) if number > 1 else "",
        "next": _back(query, number + 1) if number < pages else "",
    }
    return render("blocklist", "Blocking list", rows=rows, total=total, matches=len(entries),
                  query=query, searchable=bool(wanted) or not query, page=number,
                  pages=pages, links=links, form=form or {},
                  country_code=context.repo.get("device.country_code"),
                  errors=errors or {})  # fmt: skip


def show(context: AdminContext) -> str:
    """The list, searched and paged by the query string."""
    return _page(context)


def add(context: AdminContext) -> str:
    """Block the typed number."""
    typed = (bottle.request.forms.getunicode("msisdn", default="") or "").strip()
    try:
        entry = context.repo.add(COLLECTION, {"msisdn": typed, "source": "admin"})
    except ValueError as exc:
        errors = field_errors(exc)
        try:
            msisdn = normalize_msisdn(typed, str(context.repo.get("device.country_code")))
        except (InvalidNumberError, ValueError):
            msisdn = ""
        if msisdn and any(e["msisdn"] == msisdn for e in context.repo.list(COLLECTION)):
            errors = {"msisdn": f"{msisdn} is already blocked"}
        bottle.response.status = 400
        return _page(context, errors, {"msisdn": typed})
    flash(f"{entry['msisdn']} blocked: no modem will send an SMS to it.")
    raise see_other("/blocklist")


def unblock(context: AdminContext, entry_id: str, action: str) -> None:
    """Remove an entry (``unblock`` and ``delete`` do the same), back to the same page."""
    form = bottle.request.forms
    back = _back((form.getunicode("q", default="") or "")[:40], _int(form.get("page"), 1))
    try:
        entry: dict[str, Any] = context.repo.get_record(COLLECTION, entry_id)
        context.repo.delete(COLLECTION, entry_id)
    except LookupError:
        flash("That number is no longer blocked.", "error")
        raise see_other(back) from None
    flash(f"{entry['msisdn']} unblocked.")
    raise see_other(back)


ROUTES = (
    Route("GET", "/blocklist", show),
    Route("POST", "/blocklist", add),
    Route("POST", "/blocklist/<entry_id>/<action:re:unblock|delete>", unblock),
)
