"""Manual SMS (to test each modem) and USSD codes (balance, packages) from the admin.

The text of a manual SMS is a secret like any OTP: it goes to ``SmsService.submit`` and
nowhere else — never logged, never in a flash or URL, never sent back in the page (the
text box is empty after every POST). The outcome is rendered in the POST's own answer.
"""

from __future__ import annotations

import re
from typing import Any

import bottle

from otpbroker.domain.errors import DomainError, InvalidMessageError, InvalidNumberError
from otpbroker.domain.message import MAX_TEXT_CHARS, Delivery, SendOutcome
from otpbroker.i18n.translate import N_, _, ngettext
from otpbroker.services.sms import SmsRequest
from otpbroker.web.admin.monitor_words import modem_state_label
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

USSD_TIMEOUT = 45.0
USSD_CODE = re.compile(r"[0-9*#+]{1,64}")
OUTCOMES = {  # outcome -> (heading, style)
    "sent": (N_("Sent"), "ok"),
    "failed": (N_("Failed"), "error"),
    "unknown": (N_("Outcome unknown"), "warn"),
    "rejected": (N_("Rejected"), "error"),
}


def _result(outcome: str, detail: str, code: str = "") -> dict[str, str]:
    title, kind = OUTCOMES[outcome]
    return {"outcome": outcome, "title": _(title), "kind": kind, "detail": detail, "code": code}


def _active_modems(context: AdminServices) -> list[dict[str, Any]]:
    """Every configured active modem, also those that send manual SMS only."""
    states = {s.modem_id: s.state for s in context.modems.statuses()}
    return [
        {"id": m["id"], "name": m["name"],
         "state": modem_state_label(states.get(m["id"], "not running")),
         "api": m["send_from_api"]}
        for m in context.modem_records.active()
    ]  # fmt: skip


def _running_modems(context: AdminServices) -> list[dict[str, Any]]:
    """Every running modem (USSD needs one that answers)."""
    known = context.modem_records.names()
    return [
        {"id": s.modem_id, "name": known.get(s.modem_id, s.modem_id),
         "state": modem_state_label(s.state), "operator": s.network.operator or ""}
        for s in context.modems.statuses()
    ]  # fmt: skip


def _sms_page(context: AdminServices, form: dict[str, str], errors: dict[str, str] | None = None,
              result: dict[str, str] | None = None) -> str:  # fmt: skip
    return render("manual", _("Manual SMS"), modems=_active_modems(context), form=form,
                  errors=errors or {}, result=result, max_chars=MAX_TEXT_CHARS)  # fmt: skip


def _ussd_page(context: AdminServices, form: dict[str, str],
               errors: dict[str, str] | None = None,
               result: dict[str, str] | None = None) -> str:  # fmt: skip
    return render("ussd", _("USSD"), modems=_running_modems(context), form=form,
                  errors=errors or {}, result=result)  # fmt: skip


def _posted(name: str) -> str:
    return bottle.request.forms.getunicode(name, default="") or ""


def _sms_errors(form: dict[str, str], modems: dict[str, Any]) -> dict[str, str]:
    """What is missing from the manual SMS form (the text is checked by the service)."""
    errors: dict[str, str] = {}
    if form["modem"] not in modems:
        errors["modem"] = _("choose one of the active modems")
    if not form["msisdn"]:
        errors["msisdn"] = _("enter the recipient's number, e.g. 08126666666 or 628126666666")
    return errors


def _delivery_detail(delivery: Delivery, name: str) -> str:
    """One sentence on what became of the SMS, naming the modem."""
    parts = delivery.parts
    if delivery.outcome is SendOutcome.SENT:
        reference = delivery.message_reference
        if reference is None:
            sent = ngettext("Sent through {modem}, {parts} part.",
                            "Sent through {modem}, {parts} parts.", parts)  # fmt: skip
        else:
            sent = ngettext("Sent through {modem}, message reference {reference}, {parts} part.",
                            "Sent through {modem}, message reference {reference}, {parts} parts.",
                            parts)  # fmt: skip
        return sent.format(modem=name, reference=reference, parts=parts)
    if delivery.outcome is SendOutcome.FAILED:
        reason = delivery.error or _("the modem refused the message")
        if delivery.error_code:
            failed = _("Failed on {modem}: {reason} ({code}).")
        else:
            failed = _("Failed on {modem}: {reason}.")
        return failed.format(modem=name, reason=reason, code=delivery.error_code)
    return _("Unknown on {modem}: the modem did not confirm in time. The message may have been "
             "sent; it is not sent again.").format(modem=name)  # fmt: skip


def manual_form(context: AdminServices) -> str:
    """The manual SMS form (a modem may be chosen in the query)."""
    return _sms_page(context, {"modem": bottle.request.query.getunicode("modem", default="") or ""})


def manual_send(context: AdminServices) -> str:
    """Send one SMS through the chosen modem; the outcome is shown in this answer."""
    form = {"modem": _posted("modem"), "msisdn": _posted("msisdn").strip()}
    text = _posted("text").replace("\r\n", "\n")
    modems = {m["id"]: m for m in _active_modems(context)}
    errors = _sms_errors(form, modems)
    if errors:
        bottle.response.status = 400
        return _sms_page(context, form, errors)
    modem = modems[form["modem"]]
    admin = bottle.request.environ.get("otpb.admin") or {}
    request = SmsRequest(
        form["msisdn"], text, None, source="manual", user=admin.get("username"),
        manual=True, modem_id=modem["id"],
    )  # fmt: skip
    try:
        delivery = context.sms.submit(request)
    except InvalidNumberError as exc:
        bottle.response.status = 400
        return _sms_page(context, form, {"msisdn": exc.message})
    except InvalidMessageError as exc:
        bottle.response.status = 400
        return _sms_page(context, form, {"text": exc.message})
    except DomainError as exc:
        return _sms_page(context, form, result=_result("rejected", exc.message, exc.code))
    name = context.modem_records.names().get(delivery.modem_id or modem["id"], modem["name"])
    detail = _delivery_detail(delivery, name)
    return _sms_page(context, form, result=_result(delivery.outcome.value, detail))


def _ussd_reply(context: AdminServices, form: dict[str, str], name: str) -> dict[str, str]:
    """Run the code on the modem: the reply, or the modem layer's precise error."""
    try:
        reply = context.modems.ussd(form["modem"], form["code"], USSD_TIMEOUT)
    except TimeoutError:
        error = _("no reply from {modem} within {seconds} s").format(
            modem=name, seconds=f"{USSD_TIMEOUT:g}"
        )
    except LookupError as exc:
        error = str(exc)
    except Exception as exc:  # UssdError / ModemError: the modem layer's precise text
        error = str(exc) or type(exc).__name__
    else:
        return {"ok": "yes", "modem": name, "code": form["code"], "reply": reply}
    return {"ok": "", "modem": name, "code": form["code"], "error": error}


def ussd_form(context: AdminServices) -> str:
    """The USSD form (a modem may be chosen in the query)."""
    modem = bottle.request.query.getunicode("modem", default="") or ""
    return _ussd_page(context, {"modem": modem, "code": ""})


def ussd_run(context: AdminServices) -> str:
    """Run a USSD code on a running modem; its reply is shown in this answer."""
    form = {"modem": _posted("modem"), "code": _posted("code").strip().replace(" ", "")}
    running = {m["id"]: m for m in _running_modems(context)}
    errors: dict[str, str] = {}
    if form["modem"] not in running:
        errors["modem"] = _("choose one of the running modems")
    if USSD_CODE.fullmatch(form["code"]) is None:
        errors["code"] = _("a USSD code is 1-64 of the characters 0-9 * # +, e.g. *888#")
    if errors:
        bottle.response.status = 400
        return _ussd_page(context, form, errors)
    name = running[form["modem"]]["name"]
    return _ussd_page(context, form, result=_ussd_reply(context, form, name))


ROUTES = (
    Route("GET", "/manual-sms", manual_form),
    Route("POST", "/manual-sms", manual_send),
    Route("GET", "/ussd", ussd_form),
    Route("POST", "/ussd", ussd_run),
)
