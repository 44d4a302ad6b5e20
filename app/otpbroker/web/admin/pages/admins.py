"""Administrators: view, add, edit, delete, activate, deactivate, block, unblock.

The last active, unblocked administrator can never be deleted, deactivated or blocked.
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.guard import current_session
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other

FIELDS = ("username", "phone", "email")
PAST = {"activate": "activated", "deactivate": "deactivated", "block": "blocked",
        "unblock": "unblocked"}  # fmt: skip
TOGGLES = {
    "activate": ("active", True),
    "deactivate": ("active", False),
    "block": ("blocked", True),
    "unblock": ("blocked", False),
}


def _usable(admin: dict[str, Any]) -> bool:
    return bool(admin.get("active")) and not admin.get("blocked")


def _would_lock_out(context: AdminContext, admin_id: str, change: dict[str, Any] | None) -> bool:
    """True when applying ``change`` (None = delete) leaves no usable administrator."""
    remaining = []
    for admin in context.repo.list("admins"):
        if admin["id"] == admin_id:
            if change is None:
                continue
            admin = {**admin, **change}
        remaining.append(admin)
    return not any(_usable(admin) for admin in remaining)


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the /admins pages."""

    def page(errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
             editing: dict[str, Any] | None = None) -> str:  # fmt: skip
        admins = [
            {**a, "password_set": bool(a.get("password_hash"))} for a in context.repo.list("admins")
        ]
        for admin in admins:
            admin.pop("password_hash", None)
        return render("admins", "Administrators", admins=admins, form=form or {},
                      editing=editing, errors=errors or {})  # fmt: skip

    @app.get("/admins")
    def list_admins() -> str:
        return page()

    @app.get("/admins/<admin_id>/edit")
    def edit_form(admin_id: str) -> str:
        admin = record_or_404(context.repo, "admins", admin_id, "administrator")
        return page(form={k: str(admin.get(k) or "") for k in FIELDS}, editing=admin)

    @app.post("/admins")
    def add() -> str:
        form = bottle.request.forms
        values = {k: (form.getunicode(k, default="") or "").strip() for k in FIELDS}
        password = form.getunicode("password", default="") or ""
        if password != (form.getunicode("password2", default="") or ""):
            bottle.response.status = 400
            return page({"password2": "the two passwords differ"}, values)
        admin = None
        try:
            admin = context.repo.add("admins", {**values, "active": True, "blocked": False})
            context.repo.set_password("admins", admin["id"], password)
        except ValueError as exc:
            if admin is not None:
                context.repo.delete("admins", admin["id"])
            bottle.response.status = 400
            errors = field_errors(exc)
            if admin is not None:
                errors = {"password": str(exc).split(": ", 1)[-1]}
            return page(errors, values)
        flash(f"Administrator {values['username']} added.")
        raise see_other("/admins")

    @app.post("/admins/<admin_id>")
    def update(admin_id: str) -> str:
        form = bottle.request.forms
        values = {k: (form.getunicode(k, default="") or "").strip() for k in FIELDS}
        password = form.getunicode("password", default="") or ""
        if password != (form.getunicode("password2", default="") or ""):
            bottle.response.status = 400
            editing = context.repo.get_record("admins", admin_id)
            return page({"password2": "the two passwords differ"}, values, editing)
        try:
            admin = context.repo.update("admins", admin_id, values)
            if password:  # blank keeps the current password
                context.repo.set_password("admins", admin_id, password)
                session = current_session()
                context.sessions.destroy_admin(admin_id, keep=session.token if session else None)
        except LookupError:
            raise bottle.HTTPError(404, "no such administrator") from None
        except ValueError as exc:
            bottle.response.status = 400
            editing = context.repo.get_record("admins", admin_id)
            return page(field_errors(exc), values, editing)
        flash(f"Administrator {admin['username']} saved.")
        raise see_other("/admins")

    @app.post("/admins/<admin_id>/<action:re:activate|deactivate|block|unblock|delete>")
    def change(admin_id: str, action: str) -> None:
        change = None if action == "delete" else dict([TOGGLES[action]])
        record_or_404(context.repo, "admins", admin_id, "administrator")
        if _would_lock_out(context, admin_id, change):
            flash("Refused: the last active administrator cannot be deleted, deactivated or "
                  "blocked.", "error")  # fmt: skip
            raise see_other("/admins")
        if change is None:
            context.repo.delete("admins", admin_id)
            context.sessions.destroy_admin(admin_id)
            flash("Administrator deleted.")
        else:
            context.repo.update("admins", admin_id, change)
            if not _usable(context.repo.get_record("admins", admin_id)):
                context.sessions.destroy_admin(admin_id)
            flash(f"Administrator {PAST[action]}.")
        raise see_other("/admins")
