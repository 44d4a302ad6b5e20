"""API users (accounts that send through the REST API): view, add, edit, delete, activate,
deactivate, block, unblock. Passwords are typed twice and never shown; hashes never leave
the store. A change takes effect on the API at once (its login cache is emptied).

The rules (added with a password or not at all, edits all or nothing, unique user names)
live in the API-user service; this page shows its answers.
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.account_book import FIELDS
from otpbroker.services.api_users import EDITABLE
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

ACTIONS = "activate|deactivate|block|unblock|delete"
#: What the flash says after each action.
DONE = {
    "activate": N_("API user {name} activated."),
    "deactivate": N_("API user {name} deactivated."),
    "block": N_("API user {name} blocked."),
    "unblock": N_("API user {name} unblocked."),
    "delete": N_("API user {name} deleted."),
}


def _page(
    context: AdminServices,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    editing: dict[str, Any] | None = None,
) -> str:
    return render("api_users", _("API users"), users=context.api_users.list(), form=form or {},
                  editing=editing, errors=errors or {})  # fmt: skip


def _existing(context: AdminServices, user_id: str) -> dict[str, Any]:
    """The API user ``user_id``; a 404 when there is none."""
    try:
        return context.api_users.get(user_id)
    except LookupError:
        raise bottle.HTTPError(404, _("no such API user")) from None


def _read_form() -> tuple[dict[str, str], str, str]:
    """The account fields (the sending defaults when the form has them), the password and
    its repetition as typed."""
    form = bottle.request.forms
    values = {key: (form.getunicode(key, default="") or "").strip()
              for key in EDITABLE if key in FIELDS or key in form}  # fmt: skip
    password = form.getunicode("password", default="") or ""
    again = form.getunicode("password2", default="") or ""
    return values, password, again


def list_users(context: AdminServices) -> str:
    """Every API user, with the add form."""
    return _page(context)


def edit_form(context: AdminServices, user_id: str) -> str:
    """The list with one API user's edit form."""
    user = _existing(context, user_id)
    form = {key: str(user.get(key) if user.get(key) is not None else "") for key in EDITABLE}
    return _page(context, form=form, editing=user)


def add(context: AdminServices) -> str:
    """Add an API user with the password typed twice."""
    values, password, again = _read_form()
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = _("is required for a new API user")
    elif password != again:
        errors["password2"] = _("the two passwords differ")
    else:
        try:
            context.api_users.add(values, password)
        except ValueError as exc:
            errors = field_errors(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values)
    flash(_("API user {name} added.").format(name=values["username"]))
    raise see_other("/api-users")


def update(context: AdminServices, user_id: str) -> str:
    """Save an API user's fields and (unless blank) a new password; all or nothing."""
    before = _existing(context, user_id)
    values, password, again = _read_form()
    errors: dict[str, str] = {}
    if password and password != again:
        errors["password2"] = _("the two passwords differ")
    else:
        try:
            context.api_users.edit(user_id, values, password)
        except LookupError:
            raise bottle.HTTPError(404, _("no such API user")) from None
        except ValueError as exc:
            errors = field_errors(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values, before)
    flash(_("API user {name} saved.").format(name=values["username"]))
    raise see_other("/api-users")


def change(context: AdminServices, user_id: str, action: str) -> None:
    """Activate, deactivate, block, unblock or delete an API user."""
    try:
        if action == "delete":
            user = context.api_users.delete(user_id)
        else:
            user = context.api_users.set_flag(user_id, action)
    except LookupError:
        raise bottle.HTTPError(404, _("no such API user")) from None
    flash(_(DONE[action]).format(name=user["username"]))
    raise see_other("/api-users")


ROUTES = (
    Route("GET", "/api-users", list_users),
    Route("GET", "/api-users/<user_id>/edit", edit_form),
    Route("POST", "/api-users", add),
    Route("POST", "/api-users/<user_id>", update),
    Route("POST", f"/api-users/<user_id>/<action:re:{ACTIONS}>", change),
)
