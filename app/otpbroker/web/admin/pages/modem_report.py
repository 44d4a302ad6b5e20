"""A modem's "Download diagnostic report": the field report of a running modem.

The owner may add a USSD code (its reply kept only as length and encoding unless "include
USSD text" is ticked) and a number for one test SMS; the report itself is made by the
diagnostic reports service (``services/diagnostic_reports.py``) on the modem's own thread,
and comes back as a JSON file to download and send (``docs/modems.md``).
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.i18n.translate import _
from otpbroker.services.diagnostic_reports import ReportError
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices


def _modem(context: AdminServices, modem_id: str) -> dict[str, Any]:
    try:
        return context.modem_records.view(modem_id)
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None


def _page(modem: dict[str, Any], form: dict[str, str], error: str = "") -> str:
    return render("modem_report", _("Diagnostic report of {name}").format(name=modem["name"]),
                  modem=modem,
                  form=form, errors={"_form": error} if error else {})  # fmt: skip


def report_form(context: AdminServices, modem_id: str) -> str:
    """The form: optional USSD code, "include USSD text", optional test SMS number."""
    return _page(_modem(context, modem_id), {"ussd": "", "sms_to": "", "ussd_text": ""})


def report_download(context: AdminServices, modem_id: str) -> Any:
    """Make the report and send it as a file; the form again with the reason if it failed."""
    modem = _modem(context, modem_id)
    forms = bottle.request.forms
    form = {key: (forms.getunicode(key, default="") or "").strip()
            for key in ("ussd", "sms_to", "ussd_text")}  # fmt: skip
    try:
        made = context.diagnostic_reports.make(
            modem_id, ussd_code=form["ussd"] or None, sms_to=form["sms_to"] or None,
            include_ussd_text=bool(form["ussd_text"]),
        )  # fmt: skip
    except ReportError as exc:
        bottle.response.status = 400
        return _page(modem, form, str(exc))
    bottle.response.content_type = "application/json"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="{made.name}"')
    return made.data


ROUTES = (
    Route("GET", "/modems/<modem_id>/report", report_form),
    Route("POST", "/modems/<modem_id>/report", report_download),
)
