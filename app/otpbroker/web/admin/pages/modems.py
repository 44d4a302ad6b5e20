"""Modems: view (with live state), add, edit, delete, activate, deactivate.

The form carries every field of a modem record, grouped as the owner thinks of them:
identity and serial line, routing, SIM, mobile internet. Secrets (SIM PIN, APN password)
are never sent back to the browser: blank keeps the stored value, a tick box removes it.
APN presets for the Indonesian operators fill the internet fields: with JavaScript on
change (``/static/modems.js``), without it through the "Apply" button, which re-renders
the form filled in and saves nothing. The fields and their conversions are in
``web/admin/modem_form.py``, what the pages show of a modem in ``web/admin/modem_views.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.modem_form import (
    GROUPS,
    NEW_MODEM,
    PRESETS,
    SECRET_KEYS,
    fill_preset,
    form_from_record,
    form_from_request,
    record_values,
    secret_values,
)
from otpbroker.web.admin.modem_views import detected_section, live_by_id
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route

PAST = {"activate": "activated", "deactivate": "deactivated"}
IMEI = re.compile(r"[0-9]{14,17}")


def _users_by_device(
    records: list[dict[str, Any]], same: Mapping[str, str]
) -> dict[str, list[str]]:
    """``{device: names of the modems configured on it}`` (by-id links resolved)."""
    used: dict[str, list[str]] = {}
    for record in records:
        configured = str(record.get("port") or "")
        used.setdefault(same.get(configured, configured), []).append(str(record["name"]))
    return used


def _detected_ports(context: AdminContext) -> list[dict[str, Any]]:
    """Detected ports with what runs on them (identity of a live modem, configured names)."""
    ports: list[dict[str, Any]] = [dict(port) for port in context.serial_ports()]
    same = {port["path"]: port.get("target") or port["path"] for port in ports}
    live = live_by_id(context)
    records = context.repo.list("modems")
    names = {m["id"]: m["name"] for m in records}
    used = _users_by_device(records, same)
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


def _form_page(context: AdminContext, form: dict[str, Any],
               editing: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               filled_password: str = "", clear: tuple[str, ...] = (), notice: str = "",
               detected: dict[str, Any] | None = None) -> str:  # fmt: skip
    title = f"Edit modem {editing['name']}" if editing else "Add a modem"
    secrets_set = {key: bool(editing and editing.get(key)) for key in SECRET_KEYS}
    return render(
        "modem_form", title, form=form, editing=editing, errors=errors or {},
        groups=GROUPS, presets=PRESETS, ports=_detected_ports(context), secrets_set=secrets_set,
        filled_password=filled_password, clear=clear, notice=notice,
        scripts=["/static/modems.js"], detected=detected,
    )  # fmt: skip


def _get_modem(context: AdminContext, modem_id: str) -> dict[str, Any]:
    """What the pages need of a stored modem: id, name, and whether each secret is set."""
    try:
        record = context.repo.get_record("modems", modem_id)
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None
    return {"id": record["id"], "name": record["name"], "record": record,
            **{key: bool(record.get(key)) for key in SECRET_KEYS}}  # fmt: skip


def _apply_preset(context: AdminContext, form: dict[str, Any],
                  editing: dict[str, Any] | None) -> str:  # fmt: skip
    """Re-render the form with the chosen preset's values (the no-JavaScript path)."""
    filled = fill_preset(form, bottle.request.forms, editing)
    if filled is None:
        bottle.response.status = 400
        return _form_page(context, form, editing, {"preset": "choose an operator first"})
    return _form_page(context, form, editing, filled_password=filled.password,
                      clear=filled.clear, notice=filled.notice)  # fmt: skip


def _row(record: dict[str, Any], live: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One modem of the list: its settings at a glance and its live state."""
    return {
        "id": record["id"], "name": record["name"], "port": record["port"],
        "active": record["active"], "default": record["default_modem"],
        "api": record["send_from_api"], "internet": record["internet_access"],
        "prefixes": list(record.get("prefixes") or ()), "live": live.get(record["id"]),
    }  # fmt: skip


def list_modems(context: AdminContext) -> str:
    """Every configured modem with its live state, the serial ports and plugged-in modems."""
    live = live_by_id(context)
    modems = [_row(record, live) for record in context.repo.list("modems")]
    return render("modems", "Modems", modems=modems, ports=_detected_ports(context),
                  detected=detected_section(context))  # fmt: skip


def new_form(context: AdminContext) -> str:
    """The empty form; port, name and IMEI may come in the query ("Add this modem")."""
    query = bottle.request.query
    form = dict(NEW_MODEM)
    port = (query.getunicode("port", default="") or "").strip()
    if port.startswith("/") and len(port) <= 255:
        form["port"] = port
    name = (query.getunicode("name", default="") or "").strip()
    form["name"] = name[:64] if name else form["name"]
    imei = (query.getunicode("imei", default="") or "").strip()
    form["imei"] = imei if IMEI.fullmatch(imei) else form["imei"]
    return _form_page(context, form, detected=detected_section(context))


def edit_form(context: AdminContext, modem_id: str) -> str:
    """The form filled in with a stored modem (never its secrets)."""
    modem = _get_modem(context, modem_id)
    return _form_page(context, form_from_record(modem.pop("record")), modem)


def add(context: AdminContext) -> str:
    """Store a new modem (or apply a preset to the form)."""
    form = form_from_request(bottle.request.forms)
    if "apply_preset" in bottle.request.forms:
        return _apply_preset(context, form, None)
    values, errors = record_values(form)
    if errors:
        bottle.response.status = 400
        return _form_page(context, form, None, errors)
    try:
        secrets = secret_values(bottle.request.forms, None)
        modem = context.repo.add("modems", {**values, **secrets})
    except ValueError as exc:
        bottle.response.status = 400
        return _form_page(context, form, None, field_errors(exc))
    flash(f"Modem {modem['name']} added.")
    raise see_other("/modems")


def update(context: AdminContext, modem_id: str) -> str:
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
        secrets = secret_values(bottle.request.forms, editing)
        modem = context.repo.update("modems", modem_id, {**values, **secrets})
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None
    except ValueError as exc:
        bottle.response.status = 400
        return _form_page(context, form, editing, field_errors(exc))
    flash(f"Modem {modem['name']} saved.")
    raise see_other("/modems")


def put_back(context: AdminContext, modem_id: str) -> None:
    """End a modem's hold: it is routed (and tried) again."""
    modem = _get_modem(context, modem_id)
    health = context.modem_health
    if health is not None and health.put_back(modem_id):
        flash(f"Modem {modem['name']} is back in routing (it is tried again now).")
    else:
        flash(f"Modem {modem['name']} was not held out of routing.", "error")
    raise see_other("/modems")


def change(context: AdminContext, modem_id: str, action: str) -> None:
    """Activate, deactivate or delete a modem."""
    modem = _get_modem(context, modem_id)
    if action == "delete":
        context.repo.delete("modems", modem_id)
        flash(f"Modem {modem['name']} deleted.")
    else:
        context.repo.update("modems", modem_id, {"active": action == "activate"})
        flash(f"Modem {modem['name']} {PAST[action]}.")
    raise see_other("/modems")


ROUTES = (
    Route("GET", "/modems", list_modems),
    Route("GET", "/modems/new", new_form),
    Route("GET", "/modems/<modem_id>/edit", edit_form),
    Route("POST", "/modems", add),
    Route("POST", "/modems/<modem_id>", update),
    Route("POST", "/modems/<modem_id>/put-back", put_back),
    Route("POST", "/modems/<modem_id>/<action:re:activate|deactivate|delete>", change),
)
