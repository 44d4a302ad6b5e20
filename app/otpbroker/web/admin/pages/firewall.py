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
from otpbroker.web.admin.pages.network import pending_view
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other

COLLECTION = "firewall_ports"
FIELDS = ("port", "protocol", "interface", "comment")
TOGGLES = {"open": (True, "opened"), "close": (False, "closed")}


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


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the /firewall pages."""

    def page(errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
             editing: dict[str, Any] | None = None) -> str:  # fmt: skip
        banner = pending_view(context)  # first: it may undo a reverted change
        settings = context.repo.settings()
        network = context.network
        fixed = network.always_open(settings) if network is not None else []
        return render("firewall", "Firewall", records=context.repo.list(COLLECTION),
                      fixed=fixed, form=form or {"protocol": "tcp", "active": True},
                      editing=editing, errors=errors or {}, scripts=["/static/network.js"],
                      **banner)  # fmt: skip

    def record(record_id: str) -> dict[str, Any]:
        return record_or_404(context.repo, COLLECTION, record_id, "firewall port")

    def waiting() -> str | None:
        net = context.network_changes
        if net is not None and net.pending().get("token"):
            return ("Nothing was changed: a change is waiting for confirmation. Confirm it, "
                    "or let it revert, first.")  # fmt: skip
        return None

    def apply(what: str, undo: Callable[[], None], before: RecordBefore) -> str | None:
        """Apply the stored records to nftables; undo and return the reason on failure.
        ``before`` is the record as it was, put back if the change is not confirmed."""
        network = context.network
        net = context.network_changes
        if network is None or net is None:
            flash(f"Saved: {what}. Not applied: network control is not wired in this process.")
            return None
        settings = context.repo.settings()
        ports = context.repo.list(COLLECTION)
        try:
            network.preview(settings, ports)
        except ValueError as exc:
            undo()
            return f"Nothing was saved: {exc}"
        if not network.available:
            flash(f"Saved: {what}. Not applied: this machine has no privileged helper (it is not "
                  "an OTP Broker device), so the firewall only changes on a device.")  # fmt: skip
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

    def refused(message: str, form: dict[str, Any] | None = None,
                editing: dict[str, Any] | None = None) -> str:  # fmt: skip
        bottle.response.status = 400
        return page({"_form": message}, form, editing)

    @app.get("/firewall")
    def list_ports() -> str:
        return page()

    @app.get("/firewall/<record_id>/edit")
    def edit_form(record_id: str) -> str:
        found = record(record_id)
        return page(form={key: found.get(key) for key in (*FIELDS, "active")}, editing=found)

    @app.post("/firewall")
    def add() -> str:
        values, errors = _read_form()
        busy = waiting()
        if busy:
            return refused(busy, values)
        if not errors:
            try:
                added = context.repo.add(COLLECTION, values)
            except ValueError as exc:
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            return page(errors, values)
        problem = apply(_describe(added) + " added",
                        lambda: context.repo.delete(COLLECTION, added["id"]),
                        RecordBefore(COLLECTION, added["id"], None))  # fmt: skip
        if problem:
            return refused(problem, values)
        raise see_other("/firewall")

    @app.post("/firewall/<record_id>")
    def update(record_id: str) -> str:
        before = record(record_id)
        values, errors = _read_form()
        busy = waiting()
        if busy:
            return refused(busy, values, before)
        if not errors:
            try:
                context.repo.update(COLLECTION, record_id, values)
            except ValueError as exc:
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            return page(errors, values, before)
        old = {key: before[key] for key in (*FIELDS, "active")}
        problem = apply(_describe({**before, **values}) + " saved",
                        lambda: context.repo.update(COLLECTION, record_id, old),
                        RecordBefore(COLLECTION, record_id, old))  # fmt: skip
        if problem:
            return refused(problem, values, before)
        raise see_other("/firewall")

    @app.post("/firewall/<record_id>/<action:re:open|close|delete>")
    def change(record_id: str, action: str) -> str:
        before = record(record_id)
        busy = waiting()
        if busy:
            return refused(busy)
        kept = {key: before[key] for key in (*FIELDS, "active")}
        if action == "delete":
            context.repo.delete(COLLECTION, record_id)
            problem = apply(_describe(before) + " deleted",
                            lambda: context.repo.add(COLLECTION, kept),
                            RecordBefore(COLLECTION, record_id, kept))  # fmt: skip
        else:
            active, past = TOGGLES[action]
            context.repo.update(COLLECTION, record_id, {"active": active})
            problem = apply(_describe(before) + f" {past}",
                            lambda: context.repo.update(COLLECTION, record_id,
                                                        {"active": before["active"]}),
                            RecordBefore(COLLECTION, record_id, kept))  # fmt: skip
        if problem:
            return refused(problem)
        raise see_other("/firewall")
