"""Modems: view (with live state), add, edit, delete, activate, deactivate.

The form carries every field of a modem record, grouped as the owner thinks of them:
identity and serial line, routing, SIM, mobile internet. Secrets (SIM PIN, APN password)
are never sent back to the browser: blank keeps the stored value, a tick box removes it.
APN presets for the Indonesian operators fill the internet fields: with JavaScript on
change (``/static/modems.js``), without it through the "Apply" button, which re-renders
the form filled in and saves nothing. The fields and their conversions are in
``web/admin/modem_form.py``, what the pages show of a modem in ``web/admin/modem_views.py``;
the records and their rules (the secrets, the detected modem's prefill) are the modem records
service's (``services/modem_records.py``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import bottle

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import _
from otpbroker.services.modem_records import suggestion
from otpbroker.services.self_test import SelfTestError, SelfTestResult
from otpbroker.web.admin.balance_view import balance_by_id
from otpbroker.web.admin.modem_form import (
    GROUPS,
    NEW_MODEM,
    PRESETS,
    SECRET_KEYS,
    fill_preset,
    form_from_record,
    form_from_request,
    record_values,
    typed_secrets,
)
from otpbroker.web.admin.modem_reasons import self_test_summary
from otpbroker.web.admin.modem_views import detected_section, live_by_id
from otpbroker.web.admin.modem_words import word
from otpbroker.web.admin.quota_view import quota_by_id, when
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices


def _detected_ports(context: AdminServices) -> list[dict[str, Any]]:
    """Detected ports with what runs on them (identity of a live modem, configured names)."""
    ports: list[dict[str, Any]] = [dict(port) for port in context.serial_ports.serial_ports()]
    same = {port["path"]: port.get("target") or port["path"] for port in ports}
    live = live_by_id(context)
    names = context.modem_records.names()
    used = context.modem_records.users_by_device(same)
    for port in ports:
        device = same[port["path"]]
        port["used_by"] = ", ".join(used.get(device, []))
        port["add_url"] = "/modems/new?" + urlencode({"port": port["path"]})
        port["live"] = None
        for modem_id, state in live.items():
            if same.get(state["port"], state["port"]) == device and state["imei"]:
                port["live"] = {**state, "name": names.get(modem_id, modem_id)}
                break
    return ports


def _form_page(context: AdminServices, form: dict[str, Any],
               editing: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               filled_password: str = "", clear: tuple[str, ...] = (), notice: str = "",
               detected: dict[str, Any] | None = None) -> str:  # fmt: skip
    title = _("Edit modem {name}").format(name=editing["name"]) if editing else _("Add a modem")
    secrets_set = {key: bool(editing and editing.get(key)) for key in SECRET_KEYS}
    return render(
        "modem_form", title, form=form, editing=editing, errors=errors or {},
        groups=GROUPS, presets=PRESETS, ports=_detected_ports(context), secrets_set=secrets_set,
        filled_password=filled_password, clear=clear, notice=notice,
        scripts=["/static/modems.js"], detected=detected,
    )  # fmt: skip


def _get_modem(context: AdminServices, modem_id: str) -> dict[str, Any]:
    """What the pages need of a stored modem: id, name, and whether each secret is set."""
    try:
        return context.modem_records.view(modem_id)
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None


def _apply_preset(context: AdminServices, form: dict[str, Any],
                  editing: dict[str, Any] | None) -> str:  # fmt: skip
    """Re-render the form with the chosen preset's values (the no-JavaScript path)."""
    filled = fill_preset(form, bottle.request.forms, editing)
    if filled is None:
        bottle.response.status = 400
        return _form_page(context, form, editing, {"preset": _("choose an operator first")})
    return _form_page(context, form, editing, filled_password=filled.password,
                      clear=filled.clear, notice=filled.notice)  # fmt: skip


def list_modems(context: AdminServices) -> str:
    """Every configured modem with its live state, the serial ports and plugged-in modems."""
    live, quota = live_by_id(context), quota_by_id(context.sim_quota)
    balance, codes = balance_by_id(context.balance), _balance_codes(context)
    modems = [{**row, "live": live.get(row["id"]), "quota": quota.get(row["id"]),
               "balance": balance.get(row["id"]), "balance_code": row["id"] in codes,
               "checks": _checks(context, row["id"])}
              for row in context.modem_records.rows()]  # fmt: skip
    return render("modems", _("Modems"), modems=modems, ports=_detected_ports(context),
                  detected=detected_section(context),
                  scripts=["/static/modem_checks.js"])  # fmt: skip


def _balance_codes(context: AdminServices) -> set[str]:
    """Ids of the active modems with a balance USSD code (they get "Check now")."""
    return {str(r["id"]) for r in context.modem_records.active() if r.get("balance_ussd")}


def check_balance(context: AdminServices, modem_id: str) -> None:
    """Run a modem's balance check now (through its job queue) and say what it read."""
    modem = _get_modem(context, modem_id)
    try:
        result = context.balance.check_now(modem_id)
    except LookupError:
        flash(_("Modem {name} is not active or has no balance USSD code.").format(
            name=modem["name"]), "error")  # fmt: skip
        raise see_other("/modems") from None
    if result.state == "error":
        flash(_("Balance check on {name} failed: {error}").format(
            name=modem["name"], error=result.error), "error")  # fmt: skip
    else:
        flash(_("Balance of {name}: {state}.").format(name=modem["name"], state=word(result.state)))
    raise see_other("/modems")


def new_form(context: AdminServices) -> str:
    """The empty form; port, name and IMEI may come in the query ("Add this modem")."""
    query = bottle.request.query
    asked = (query.getunicode(key, default="") or "" for key in ("port", "name", "imei"))
    form = {**NEW_MODEM, **suggestion(*asked)}
    return _form_page(context, form, detected=detected_section(context))


def edit_form(context: AdminServices, modem_id: str) -> str:
    """The form filled in with a stored modem (never its secrets)."""
    modem = _get_modem(context, modem_id)
    return _form_page(context, form_from_record(modem.pop("record")), modem)


def add(context: AdminServices) -> str:
    """Store a new modem (or apply a preset to the form)."""
    form = form_from_request(bottle.request.forms)
    if "apply_preset" in bottle.request.forms:
        return _apply_preset(context, form, None)
    values, errors = record_values(form)
    if errors:
        bottle.response.status = 400
        return _form_page(context, form, None, errors)
    try:
        typed, _clear = typed_secrets(bottle.request.forms)
        modem = context.modem_records.add(values, typed)
    except ValueError as exc:
        bottle.response.status = 400
        return _form_page(context, form, None, field_errors(exc))
    flash(_("Modem {name} added.").format(name=modem["name"]))
    raise see_other("/modems")


def update(context: AdminServices, modem_id: str) -> str:
    """Save a stored modem (or apply a preset to the form)."""
    editing = _get_modem(context, modem_id)
    del editing["record"]  # the form never sees the stored secrets
    form = form_from_request(bottle.request.forms)
    if "apply_preset" in bottle.request.forms:
        return _apply_preset(context, form, editing)
    values, errors = record_values(form)
    if errors:
        bottle.response.status = 400
        return _form_page(context, form, editing, errors)
    try:
        typed, clear = typed_secrets(bottle.request.forms)
        modem = context.modem_records.edit(modem_id, values, typed, clear)
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None
    except ValueError as exc:
        bottle.response.status = 400
        return _form_page(context, form, editing, field_errors(exc))
    flash(_("Modem {name} saved.").format(name=modem["name"]))
    raise see_other("/modems")


def put_back(context: AdminServices, modem_id: str) -> None:
    """End a modem's hold: it is routed (and tried) again."""
    modem = _get_modem(context, modem_id)
    if context.modem_health.put_back(modem_id):
        flash(_("Modem {name} is back in routing (it is tried again now).").format(
            name=modem["name"]))  # fmt: skip
    else:
        flash(_("Modem {name} was not held out of routing.").format(name=modem["name"]), "error")
    raise see_other("/modems")


def change(context: AdminServices, modem_id: str, action: str) -> None:
    """Activate, deactivate or delete a modem."""
    modem = _get_modem(context, modem_id)
    if action == "delete":
        context.modem_records.delete(modem_id)
        flash(_("Modem {name} deleted.").format(name=modem["name"]))
    elif action == "activate":
        context.modem_records.set_active(modem_id, True)
        flash(_("Modem {name} activated.").format(name=modem["name"]))
    else:
        context.modem_records.set_active(modem_id, False)
        flash(_("Modem {name} deactivated.").format(name=modem["name"]))
    raise see_other("/modems")


# -- modem checks: "Test this modem" and the last keep-alive (memory only) -----------------
def _when(at: float | None) -> str:
    return when(at) if at else ""


def _self_test_json(result: SelfTestResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"state": result.state, "summary": self_test_summary(result), "number": result.number,
            "sent_at": _when(result.sent_at), "arrived_at": _when(result.arrived_at),
            "round_trip": result.round_trip}  # fmt: skip


def _checks(context: AdminServices, modem_id: str) -> dict[str, Any]:
    """The modem's last self-test and keep-alive, as the page shows them."""
    keepalive = context.keepalive.last(modem_id)
    return {
        "self_test": _self_test_json(context.self_tests.result(modem_id)),
        "keepalive": None if keepalive is None else {
            "at": _when(keepalive.at), "number": keepalive.number, "outcome": keepalive.outcome},
    }  # fmt: skip


def self_test(context: AdminServices, modem_id: str) -> None:
    """Start "Test this modem": an SMS to its own number, timed until it comes back."""
    modem = _get_modem(context, modem_id)
    try:
        result = context.self_tests.start(modem_id)
    except SelfTestError as exc:
        flash(_("Modem {name}: {reason}").format(name=modem["name"], reason=exc), "error")
    else:
        flash(_("Modem {name}: self-test sent to {number}; waiting up to {seconds} s for it "
                "to come back.").format(name=modem["name"], number=result.number,
                                        seconds=format_number(result.wait_seconds)))  # fmt: skip
    raise see_other("/modems")


def self_test_state(context: AdminServices, modem_id: str) -> str:
    """The modem's last self-test as JSON (the page's live refresh)."""
    _get_modem(context, modem_id)
    bottle.response.content_type = "application/json"
    return json.dumps({"self_test": _self_test_json(context.self_tests.result(modem_id))})


ROUTES = (
    Route("GET", "/modems", list_modems),
    Route("GET", "/modems/new", new_form),
    Route("GET", "/modems/<modem_id>/edit", edit_form),
    Route("POST", "/modems", add),
    Route("POST", "/modems/<modem_id>", update),
    Route("POST", "/modems/<modem_id>/put-back", put_back),
    Route("POST", "/modems/<modem_id>/check-balance", check_balance),
    Route("POST", "/modems/<modem_id>/self-test", self_test),
    Route("GET", "/admin-api/modems/<modem_id>/self-test", self_test_state),
    Route("POST", "/modems/<modem_id>/<action:re:activate|deactivate|delete>", change),
)
