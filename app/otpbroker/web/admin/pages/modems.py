"""Modems: view (with live state), add, edit, delete, activate, deactivate.

The form carries every field of a modem record, grouped as the owner thinks of them:
identity and serial line, routing, SIM, mobile internet. Secrets (SIM PIN, APN password)
are never sent back to the browser: blank keeps the stored value, a tick box removes it.
APN presets for the Indonesian operators fill the internet fields: with JavaScript on
change (``/static/modems.js``), without it through the "Apply" button, which re-renders
the form filled in and saves nothing. The fields and their conversions are in
``web/admin/modem_form.py``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import bottle

from otpbroker.domain.sim_state import sim_advice
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.modem_form import (
    GROUPS,
    NEW_MODEM,
    PRESET_BY_KEY,
    PRESETS,
    SECRET_KEYS,
    form_from_record,
    form_from_request,
    record_values,
)
from otpbroker.web.admin.pages.modem_detect import detected_section
from otpbroker.web.admin.render import field_errors, flash, render, see_other

PAST = {"activate": "activated", "deactivate": "deactivated"}


def _live(status: Any, route: Any = None, held: bool = False) -> dict[str, Any]:
    """What the list shows of a running modem: state, SMS path, routing, SIM advice."""
    identity, network = status.identity, status.network
    model = " ".join(part for part in (identity.manufacturer, identity.model) if part)
    verdict = getattr(status, "sms_path", None)
    return {
        "state": status.state,
        "ready": status.connected,
        "imei": identity.imei or "",
        "model": model,
        "operator": network.operator or "",
        "signal": network.signal_percent,
        "error": status.last_error or "",
        "port": status.port,
        "sms_path": verdict.path.value if verdict is not None else "",
        "sms_path_ok": verdict.available if verdict is not None else None,
        "sms_path_reason": verdict.reason if verdict is not None else "",
        "routing": getattr(route, "reason", None) if route is not None else None,
        "routing_text": getattr(route, "reason_text", "") if route is not None else "",
        "advice": sim_advice(status.state, getattr(status, "pin_tries", None)),
        "recovery": getattr(status, "recovery", None) or "",
        "put_back": held or status.state == "dead",
    }


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the /modems pages."""

    def live_by_id() -> dict[str, dict[str, Any]]:
        health = context.modem_health
        routes = {r.id: r for r in context.sms.routes()}
        holds = health.holds() if health is not None else {}
        return {
            status.modem_id: _live(status, routes.get(status.modem_id), status.modem_id in holds)
            for status in context.modems.statuses()
        }

    def detected_ports() -> list[dict[str, Any]]:
        """Detected ports with what runs on them (identity of a live modem, configured names)."""
        ports = [dict(port) for port in context.serial_ports()]
        same = {port["path"]: port.get("target") or port["path"] for port in ports}
        live = live_by_id()
        records = context.repo.list("modems")
        names = {m["id"]: m["name"] for m in records}
        used: dict[str, list[str]] = {}
        for record in records:
            port = str(record.get("port") or "")
            used.setdefault(same.get(port, port), []).append(str(record["name"]))
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

    def form_page(form: dict[str, Any], editing: dict[str, Any] | None = None,
                  errors: dict[str, str] | None = None, filled_password: str = "",
                  clear: tuple[str, ...] = (), notice: str = "",
                  detected: dict[str, Any] | None = None) -> str:  # fmt: skip
        title = f"Edit modem {editing['name']}" if editing else "Add a modem"
        secrets_set = {key: bool(editing and editing.get(key)) for key in SECRET_KEYS}
        return render(
            "modem_form", title, form=form, editing=editing, errors=errors or {},
            groups=GROUPS, presets=PRESETS, ports=detected_ports(), secrets_set=secrets_set,
            filled_password=filled_password, clear=clear, notice=notice,
            scripts=["/static/modems.js"], detected=detected,
        )  # fmt: skip

    def get_modem(modem_id: str) -> dict[str, Any]:
        """What the pages need of a stored modem: id, name, and whether each secret is set."""
        try:
            record = context.repo.get_record("modems", modem_id)
        except LookupError:
            raise bottle.HTTPError(404, "no such modem") from None
        return {"id": record["id"], "name": record["name"], "record": record,
                **{key: bool(record.get(key)) for key in SECRET_KEYS}}  # fmt: skip

    def apply_preset(form: dict[str, Any], editing: dict[str, Any] | None) -> str:
        """Re-render the form with the chosen preset's values (the no-JavaScript path)."""
        forms = bottle.request.forms
        key = forms.getunicode("preset", default="") or ""
        preset = PRESET_BY_KEY.get(key)
        if preset is None:
            bottle.response.status = 400
            return form_page(form, editing, {"preset": "choose an operator first"})
        form.update(apn=preset.apn, apn_username=preset.username, dial_number=preset.dial_number)
        form["preset"] = preset.key
        clear = tuple(k for k in SECRET_KEYS if f"clear_{k}" in forms and k != "apn_password")
        if not preset.password and editing and editing.get("apn_password"):
            clear += ("apn_password",)  # blank would keep the old operator's password
        notice = f"Filled in the settings of {preset.operator}; check them, then save."
        if forms.getunicode("pin", default=""):
            notice += " Type the SIM PIN again: it is never sent back to the browser."
        return form_page(form, editing, filled_password=preset.password, clear=clear,
                         notice=notice)  # fmt: skip

    def secret_values(editing: dict[str, Any] | None) -> dict[str, str]:
        """Typed secrets; blank keeps the stored one, the tick box removes it."""
        forms = bottle.request.forms
        values = {}
        for key in SECRET_KEYS:
            typed = forms.getunicode(key, default="") or ""
            if key == "pin":
                typed = typed.strip()
            if typed:
                values[key] = typed
            elif editing is None or f"clear_{key}" in forms:
                values[key] = ""
        return values

    @app.get("/modems")
    def list_modems() -> str:
        live = live_by_id()
        modems = [
            {
                "id": m["id"], "name": m["name"], "port": m["port"], "active": m["active"],
                "default": m["default_modem"], "api": m["send_from_api"],
                "internet": m["internet_access"], "prefixes": list(m.get("prefixes") or ()),
                "live": live.get(m["id"]),
            }
            for m in context.repo.list("modems")
        ]  # fmt: skip
        return render("modems", "Modems", modems=modems, ports=detected_ports(),
                      detected=detected_section(context))  # fmt: skip

    @app.get("/modems/new")
    def new_form() -> str:
        form = dict(NEW_MODEM)
        port = (bottle.request.query.getunicode("port", default="") or "").strip()
        if port.startswith("/") and len(port) <= 255:
            form["port"] = port
        name = (bottle.request.query.getunicode("name", default="") or "").strip()
        form["name"] = name[:64] if name else form["name"]
        imei = (bottle.request.query.getunicode("imei", default="") or "").strip()
        form["imei"] = imei if re.fullmatch(r"[0-9]{14,17}", imei) else form["imei"]
        return form_page(form, detected=detected_section(context))

    @app.get("/modems/<modem_id>/edit")
    def edit_form(modem_id: str) -> str:
        modem = get_modem(modem_id)
        return form_page(form_from_record(modem.pop("record")), modem)

    @app.post("/modems")
    def add() -> str:
        form = form_from_request(bottle.request.forms)
        if "apply_preset" in bottle.request.forms:
            return apply_preset(form, None)
        values, errors = record_values(form)
        if errors:
            bottle.response.status = 400
            return form_page(form, None, errors)
        try:
            modem = context.repo.add("modems", {**values, **secret_values(None)})
        except ValueError as exc:
            bottle.response.status = 400
            return form_page(form, None, field_errors(exc))
        flash(f"Modem {modem['name']} added.")
        raise see_other("/modems")

    @app.post("/modems/<modem_id>")
    def update(modem_id: str) -> str:
        editing = get_modem(modem_id)
        del editing["record"]  # the form never sees the stored secrets
        form = form_from_request(bottle.request.forms)
        if "apply_preset" in bottle.request.forms:
            return apply_preset(form, editing)
        values, errors = record_values(form)
        if errors:
            bottle.response.status = 400
            return form_page(form, editing, errors)
        try:
            modem = context.repo.update("modems", modem_id, {**values, **secret_values(editing)})
        except LookupError:
            raise bottle.HTTPError(404, "no such modem") from None
        except ValueError as exc:
            bottle.response.status = 400
            return form_page(form, editing, field_errors(exc))
        flash(f"Modem {modem['name']} saved.")
        raise see_other("/modems")

    @app.post("/modems/<modem_id>/put-back")
    def put_back(modem_id: str) -> None:
        modem = get_modem(modem_id)
        health = context.modem_health
        if health is not None and health.put_back(modem_id):
            flash(f"Modem {modem['name']} is back in routing (it is tried again now).")
        else:
            flash(f"Modem {modem['name']} was not held out of routing.", "error")
        raise see_other("/modems")

    @app.post("/modems/<modem_id>/<action:re:activate|deactivate|delete>")
    def change(modem_id: str, action: str) -> None:
        modem = get_modem(modem_id)
        if action == "delete":
            context.repo.delete("modems", modem_id)
            flash(f"Modem {modem['name']} deleted.")
        else:
            context.repo.update("modems", modem_id, {"active": action == "activate"})
            flash(f"Modem {modem['name']} {PAST[action]}.")
        raise see_other("/modems")
