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
from otpbroker.domain.message import MAX_TEXT_CHARS, SendOutcome
from otpbroker.services.sms import SmsRequest
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import render

USSD_TIMEOUT = 45.0
USSD_CODE = re.compile(r"[0-9*#+]{1,64}")
OUTCOMES = {  # outcome -> (heading, style)
    "sent": ("Sent", "ok"),
    "failed": ("Failed", "error"),
    "unknown": ("Outcome unknown", "warn"),
    "rejected": ("Rejected", "error"),
}


def _result(outcome: str, detail: str, code: str = "") -> dict[str, str]:
    title, kind = OUTCOMES[outcome]
    return {"outcome": outcome, "title": title, "kind": kind, "detail": detail, "code": code}


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/manual-sms`` and ``/ussd``."""

    def names() -> dict[str, str]:
        return {m["id"]: m["name"] for m in context.repo.list("modems")}

    def active_modems() -> list[dict[str, Any]]:
        """Every configured active modem, also those that send manual SMS only."""
        states = {s.modem_id: s.state for s in context.modems.statuses()}
        return [
            {"id": m["id"], "name": m["name"], "state": states.get(m["id"], "not running"),
             "api": m["send_from_api"]}
            for m in context.repo.list("modems") if m["active"]
        ]  # fmt: skip

    def running_modems() -> list[dict[str, Any]]:
        known = names()
        return [
            {"id": s.modem_id, "name": known.get(s.modem_id, s.modem_id), "state": s.state,
             "operator": s.network.operator or ""}
            for s in context.modems.statuses()
        ]  # fmt: skip

    def sms_page(form: dict[str, str], errors: dict[str, str] | None = None,
                 result: dict[str, str] | None = None) -> str:  # fmt: skip
        return render("manual", "Manual SMS", modems=active_modems(), form=form,
                      errors=errors or {}, result=result, max_chars=MAX_TEXT_CHARS)  # fmt: skip

    def ussd_page(form: dict[str, str], errors: dict[str, str] | None = None,
                  result: dict[str, str] | None = None) -> str:  # fmt: skip
        return render("ussd", "USSD", modems=running_modems(), form=form,
                      errors=errors or {}, result=result)  # fmt: skip

    @app.get("/manual-sms")
    def manual_form() -> str:
        return sms_page({"modem": bottle.request.query.getunicode("modem", default="") or ""})

    @app.post("/manual-sms")
    def manual_send() -> str:
        forms = bottle.request.forms
        form = {
            "modem": forms.getunicode("modem", default="") or "",
            "msisdn": (forms.getunicode("msisdn", default="") or "").strip(),
        }
        text = (forms.getunicode("text", default="") or "").replace("\r\n", "\n")
        modems = {m["id"]: m for m in active_modems()}
        errors: dict[str, str] = {}
        if form["modem"] not in modems:
            errors["modem"] = "choose one of the active modems"
        if not form["msisdn"]:
            errors["msisdn"] = "enter the recipient's number, e.g. 08126666666 or 628126666666"
        if errors:
            bottle.response.status = 400
            return sms_page(form, errors)
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
            return sms_page(form, {"msisdn": exc.message})
        except InvalidMessageError as exc:
            bottle.response.status = 400
            return sms_page(form, {"text": exc.message})
        except DomainError as exc:
            return sms_page(form, result=_result("rejected", exc.message, exc.code))
        name = names().get(delivery.modem_id or modem["id"], modem["name"])
        if delivery.outcome is SendOutcome.SENT:
            reference = delivery.message_reference
            detail = (
                f"Sent through {name}"
                + (f", message reference {reference}" if reference is not None else "")
                + f", {delivery.parts} part{'s' if delivery.parts != 1 else ''}."
            )
        elif delivery.outcome is SendOutcome.FAILED:
            reason = delivery.error or "the modem refused the message"
            code = f" ({delivery.error_code})" if delivery.error_code else ""
            detail = f"Failed on {name}: {reason}{code}."
        else:
            detail = (f"Unknown on {name}: the modem did not confirm in time. The message may "
                      "have been sent; it is not sent again.")  # fmt: skip
        return sms_page(form, result=_result(delivery.outcome.value, detail))

    @app.get("/ussd")
    def ussd_form() -> str:
        return ussd_page({"modem": bottle.request.query.getunicode("modem", default="") or "",
                          "code": ""})  # fmt: skip

    @app.post("/ussd")
    def ussd_run() -> str:
        forms = bottle.request.forms
        form = {
            "modem": forms.getunicode("modem", default="") or "",
            "code": (forms.getunicode("code", default="") or "").strip().replace(" ", ""),
        }
        running = {m["id"]: m for m in running_modems()}
        errors: dict[str, str] = {}
        if form["modem"] not in running:
            errors["modem"] = "choose one of the running modems"
        if USSD_CODE.fullmatch(form["code"]) is None:
            errors["code"] = "a USSD code is 1-64 of the characters 0-9 * # +, e.g. *888#"
        if errors:
            bottle.response.status = 400
            return ussd_page(form, errors)
        name = running[form["modem"]]["name"]
        try:
            reply = context.modems.ussd(form["modem"], form["code"], USSD_TIMEOUT)
        except TimeoutError:
            error = f"no reply from {name} within {USSD_TIMEOUT:g} s"
        except LookupError as exc:
            error = str(exc)
        except Exception as exc:  # UssdError / ModemError: the modem layer's precise text
            error = str(exc) or type(exc).__name__
        else:
            return ussd_page(form, result={"ok": "yes", "modem": name, "code": form["code"],
                                           "reply": reply})  # fmt: skip
        return ussd_page(form, result={"ok": "", "modem": name, "code": form["code"],
                                       "error": error})  # fmt: skip
