"""Blocking list: numbers that receive no SMS from any modem.

Add a number in any form (stored in MSISDN form, through the blocking-list service the way
REST, RabbitMQ, WebSocket and MQTT blocking goes), unblock it (which removes the entry),
search by digits, and see where each block came from and when. Newest first, 100 a page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import bottle

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import N_, _
from otpbroker.services.blocking import BlockRefused
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

PAGE_SIZE = 100
SOURCES = {
    "admin": N_("admin"),
    "rest": N_("REST API"),
    "rabbitmq": "RabbitMQ",
    "amqp": "RabbitMQ",
    "ws": "WebSocket",
    "mqtt": "MQTT",
    "cli": N_("command line"),
}


def _source(source: object) -> str:
    """Where a block came from, as a person reads it."""
    text = str(source or "")
    if not text:
        return _("unknown")
    return _(SOURCES[text]) if text in SOURCES else text


def _when(text: str) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM UTC`` in every language: digits any reader knows,
    the time zone in sight (unparsable text is shown as it is)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else default


def _back(query: str, page: int) -> str:
    params = {key: value for key, value in (("q", query), ("page", page)) if value and value != 1}
    return "/blocklist" + ("?" + urlencode(params) if params else "")


def _page(context: AdminServices, errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> str:  # fmt: skip
    query = (bottle.request.query.getunicode("q", default="") or "").strip()[:40]
    found = context.blocking.search(query, _int(bottle.request.query.get("page"), 1), PAGE_SIZE)
    rows = [
        {"id": e["id"], "msisdn": e["msisdn"], "when": _when(e.get("created_at", "")),
         "source": _source(e.get("source"))}
        for e in found.entries
    ]  # fmt: skip
    number, pages = found.page, found.pages
    links = {
        "prev": _back(query, number - 1) if number > 1 else "",
        "next": _back(query, number + 1) if number < pages else "",
    }
    return render("blocklist", _("Blocking list"), rows=rows, total=found.total,
                  matches=found.matches, query=query, searchable=found.searchable,
                  shown={"total": format_number(found.total),
                         "matches": format_number(found.matches)},
                  page=number, pages=pages, links=links, form=form or {},
                  country_code=context.blocking.country_code(),
                  errors=errors or {})  # fmt: skip


def show(context: AdminServices) -> str:
    """The list, searched and paged by the query string."""
    return _page(context)


def add(context: AdminServices) -> str:
    """Block the typed number (400 with the reason: malformed, already blocked)."""
    typed = (bottle.request.forms.getunicode("msisdn", default="") or "").strip()
    try:
        msisdn = context.blocking.block(typed, "admin")
    except BlockRefused as exc:
        bottle.response.status = 400
        return _page(context, {"msisdn": str(exc)}, {"msisdn": typed})
    flash(_("{number} blocked: no modem will send an SMS to it.").format(number=msisdn))
    raise see_other("/blocklist")


def unblock(context: AdminServices, entry_id: str, action: str) -> None:
    """Remove an entry (``unblock`` and ``delete`` do the same), back to the same page."""
    form = bottle.request.forms
    back = _back((form.getunicode("q", default="") or "")[:40], _int(form.get("page"), 1))
    try:
        msisdn = context.blocking.unblock_entry(entry_id)
    except LookupError:
        flash(_("That number is no longer blocked."), "error")
        raise see_other(back) from None
    flash(_("{number} unblocked.").format(number=msisdn))
    raise see_other(back)


ROUTES = (
    Route("GET", "/blocklist", show),
    Route("POST", "/blocklist", add),
    Route("POST", "/blocklist/<entry_id>/<action:re:unblock|delete>", unblock),
)
