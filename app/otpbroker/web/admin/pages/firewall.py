"""Firewall: the ports that are always open, and the owner's extra ports (add, edit, delete,
open, close). Every change is applied to nftables through the privileged helper with the
safety net (confirm within ``network.confirm_seconds`` or it reverts); a change the helper
refuses is undone in the stored records as well, so records and firewall agree, and so is a
change it reverted (``context.network_changes`` keeps the record's previous fields).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bottle

from otpbroker.services.network_pending_file import RecordBefore
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.safety_net import NOT_WIRED, change_waiting, pending_view

COLLECTION = "firewall_ports"
FIELDS = ("port", "protocol", "interface", "comment")
TOGGLES = {"open": (True, "opened"), "close": (False, "closed")}
WAITING = (
    "Nothing was changed: a change is waiting for confirmation. Confirm it, or let it revert, "
    "first."
)
NO_HELPER = (
    "Not applied: this machine has no privileged helper (it is not an OTP Broker device), "
    "so the firewall only changes on a device."
)
Undo = Callable[[], object]


def _describe(record: dict[str, Any]) -> str:
    where = f" on {record['interface']}" if record.get("interface") else ""
    return f"port {record['port']}/{record['protocol']}{where}"


def _read_form() -> tuple[dict[str, Any], dict[str, str]]:
    form = bottle.request.forms
    values: dict[str, Any] = {key: (form.getunicode(key, default="") or "").strip()
                              for key in FIELDS}  # fmt: skip
    values["active"] = form.getunicode("active") is not None
    errors: dict[str, str] = {}
    text = str(values["port"])
    if text.isdigit() and len(text) <= 5:
        values["port"] = int(text)
    else:
        errors["port"] = f"must be a whole number from 1 to 65535, got {text[:20]!r}"
    return values, errors


def _page(
    context: AdminContext,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    editing: dict[str, Any] | None = None,
) -> str:
    banner = pending_view(context)  # first: it may undo a reverted change
    settings = context.repo.settings()
    network = context.network
    fixed = network.always_open(settings) if network is not None else []
    return render("firewall", "Firewall", records=context.repo.list(COLLECTION),
                  fixed=fixed, form=form or {"protocol": "tcp", "active": True},
                  editing=editing, errors=errors or {}, scripts=["/static/network.js"],
                  **banner)  # fmt: skip


def _record(context: AdminContext, record_id: str) -> dict[str, Any]:
    return record_or_404(context.repo, COLLECTION, record_id, "firewall port")


def _refused(context: AdminContext, message: str, form: dict[str, Any] | None = None,
             editing: dict[str, Any] | None = None) -> str:  # fmt: skip
    bottle.response.status = 400
    return _page(context, {"_form": message}, form, editing)


def _apply(context: AdminContext, what: str, undo: Undo, before: RecordBefore) -> str | None:
    """Apply the stored records to nftables; undo and return the reason on failure.
    ``before`` is the record as it was, put back if the change is not confirmed."""
    network = context.network
    net = context.network_changes
    if network is None or net is None:
        flash(f"Saved: {what}. {NOT_WIRED}")
        return None
    settings = context.repo.settings()
    ports = context.repo.list(COLLECTION)
    try:
        network.preview(settings, ports)
    except ValueError as exc:
        undo()
        return f"Nothing was saved: {exc}"
    if not network.available:
        flash(f"Saved: {what}. {NO_HELPER}")
        return None
    try:
        net.apply(f"the firewall ({what})",
                  lambda: network.apply(settings, ports, True, ["nftables"]),
                  records=[before])  # fmt: skip
    except Exception as exc:  # the helper's precise message
        undo()
        return f"Not applied, nothing was saved: {exc}"
    flash(f"Applied: {what}. Press Confirm within {settings['network.confirm_seconds']} "
          "seconds, or it is undone.")  # fmt: skip
    return None


def list_ports(context: AdminContext) -> str:
    """The always-open ports, the owner's ports and the add form."""
    return _page(context)


def edit_form(context: AdminContext, record_id: str) -> str:
    """The list with one port's fields in the form."""
    found = _record(context, record_id)
    return _page(context, form={key: found.get(key) for key in (*FIELDS, "active")},
                 editing=found)  # fmt: skip


def add(context: AdminContext) -> str:
    """Add a port and apply the firewall (400: refused, nothing kept)."""
    values, errors = _read_form()
    if change_waiting(context):
        return _refused(context, WAITING, values)
    if not errors:
        try:
            added = context.repo.add(COLLECTION, values)
        except ValueError as exc:
            errors = field_errors(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values)
    problem = _apply(context, _describe(added) + " added",
                     lambda: context.repo.delete(COLLECTION, added["id"]),
                     RecordBefore(COLLECTION, added["id"], None))  # fmt: skip
    if problem:
        return _refused(context, problem, values)
    raise see_other("/firewall")


def update(context: AdminContext, record_id: str) -> str:
    """Save a port's fields and apply the firewall (400: refused, the old fields kept)."""
    before = _record(context, record_id)
    values, errors = _read_form()
    if change_waiting(context):
        return _refused(context, WAITING, values, before)
    if not errors:
        try:
            context.repo.update(COLLECTION, record_id, values)
        except ValueError as exc:
            errors = field_errors(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values, before)
    old = {key: before[key] for key in (*FIELDS, "active")}
    problem = _apply(context, _describe({**before, **values}) + " saved",
                     lambda: context.repo.update(COLLECTION, record_id, old),
                     RecordBefore(COLLECTION, record_id, old))  # fmt: skip
    if problem:
        return _refused(context, problem, values, before)
    raise see_other("/firewall")


def _delete(context: AdminContext, record_id: str, before: dict[str, Any]) -> str | None:
    """Delete a port and apply; on a refusal it is added back."""
    kept = {key: before[key] for key in (*FIELDS, "active")}
    context.repo.delete(COLLECTION, record_id)
    return _apply(context, _describe(before) + " deleted",
                  lambda: context.repo.add(COLLECTION, kept),
                  RecordBefore(COLLECTION, record_id, kept))  # fmt: skip


def _toggle(context: AdminContext, record_id: str, before: dict[str, Any],
            action: str) -> str | None:  # fmt: skip
    """Open or close a port and apply; on a refusal it is as it was."""
    kept = {key: before[key] for key in (*FIELDS, "active")}
    active, past = TOGGLES[action]
    context.repo.update(COLLECTION, record_id, {"active": active})
    return _apply(context, _describe(before) + f" {past}",
                  lambda: context.repo.update(COLLECTION, record_id, {"active": before["active"]}),
                  RecordBefore(COLLECTION, record_id, kept))  # fmt: skip


def change(context: AdminContext, record_id: str, action: str) -> str:
    """Open, close or delete a port and apply the firewall."""
    before = _record(context, record_id)
    if change_waiting(context):
        return _refused(context, WAITING)
    if action == "delete":
        problem = _delete(context, record_id, before)
    else:
        problem = _toggle(context, record_id, before, action)
    if problem:
        return _refused(context, problem)
    raise see_other("/firewall")


ROUTES = (
    Route("GET", "/firewall", list_ports),
    Route("GET", "/firewall/<record_id>/edit", edit_form),
    Route("POST", "/firewall", add),
    Route("POST", "/firewall/<record_id>", update),
    Route("POST", "/firewall/<record_id>/<action:re:open|close|delete>", change),
)
