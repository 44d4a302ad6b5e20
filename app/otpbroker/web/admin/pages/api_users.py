"""API users (accounts that send through the REST API): view, add, edit, delete, activate,
deactivate, block, unblock. Passwords are typed twice and never shown; hashes never leave
the store. A change takes effect on the API at once (its login cache is emptied).
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other

COLLECTION = "api_users"
FIELDS = ("username", "phone", "email")
TOGGLES = {
    "activate": ("active", True, "activated"),
    "deactivate": ("active", False, "deactivated"),
    "block": ("blocked", True, "blocked"),
    "unblock": ("blocked", False, "unblocked"),
}


def _public(user: dict[str, Any]) -> dict[str, Any]:
    """A user as pages may show it: no hash, only whether a password is set."""
    view = {key: value for key, value in user.items() if key != "password_hash"}
    view["password_set"] = bool(user.get("password_hash"))
    return view


def _read_form() -> tuple[dict[str, str], str, str]:
    form = bottle.request.forms
    values = {key: (form.getunicode(key, default="") or "").strip() for key in FIELDS}
    password = form.getunicode("password", default="") or ""
    again = form.getunicode("password2", default="") or ""
    return values, password, again


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the /api-users pages."""

    def page(errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
             editing: dict[str, Any] | None = None) -> str:  # fmt: skip
        users = [_public(user) for user in context.repo.list(COLLECTION)]
        shown = _public(editing) if editing else None
        return render("api_users", "API users", users=users, form=form or {}, editing=shown,
                      errors=errors or {})  # fmt: skip

    def record(user_id: str) -> dict[str, Any]:
        return record_or_404(context.repo, COLLECTION, user_id, "API user")

    @app.get("/api-users")
    def list_users() -> str:
        return page()

    @app.get("/api-users/<user_id>/edit")
    def edit_form(user_id: str) -> str:
        user = record(user_id)
        return page(form={key: str(user.get(key) or "") for key in FIELDS}, editing=user)

    @app.post("/api-users")
    def add() -> str:
        values, password, again = _read_form()
        errors: dict[str, str] = {}
        if not password:
            errors["password"] = "is required for a new API user"  # noqa: S105 (a message)
        elif password != again:
            errors["password2"] = "the two passwords differ"
        user = None
        if not errors:
            try:
                user = context.repo.add(COLLECTION, {**values, "active": True, "blocked": False})
                context.repo.set_password(COLLECTION, user["id"], password)
            except ValueError as exc:
                if user is not None:  # the password was refused: do not keep a user without one
                    context.repo.delete(COLLECTION, user["id"])
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            return page(errors, values)
        flash(f"API user {values['username']} added.")
        raise see_other("/api-users")

    @app.post("/api-users/<user_id>")
    def update(user_id: str) -> str:
        before = record(user_id)
        values, password, again = _read_form()
        errors: dict[str, str] = {}
        if password and password != again:
            errors["password2"] = "the two passwords differ"
        if not errors:
            try:
                context.repo.update(COLLECTION, user_id, values)
            except ValueError as exc:
                errors = field_errors(exc)
        if not errors and password:  # blank keeps the current password
            try:
                context.repo.set_password(COLLECTION, user_id, password)
            except ValueError as exc:  # undo the other fields: all or nothing
                context.repo.update(COLLECTION, user_id, {key: before[key] for key in FIELDS})
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            return page(errors, values, before)
        flash(f"API user {values['username']} saved.")
        raise see_other("/api-users")

    @app.post("/api-users/<user_id>/<action:re:activate|deactivate|block|unblock|delete>")
    def change(user_id: str, action: str) -> None:
        user = record(user_id)
        if action == "delete":
            context.repo.delete(COLLECTION, user_id)
            flash(f"API user {user['username']} deleted.")
        else:
            field, value, past = TOGGLES[action]
            context.repo.update(COLLECTION, user_id, {field: value})
            flash(f"API user {user['username']} {past}.")
        raise see_other("/api-users")
