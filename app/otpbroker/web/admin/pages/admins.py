"""Administrators: view, add, edit, delete, activate, deactivate, block, unblock.

The rules (the last active, unblocked administrator can never be deleted, deactivated or
blocked; an account is added with its password or not at all) live in the admin-accounts
service; this page shows its answers. A blocked, deactivated or deleted administrator is
logged out at once, and a new password ends the administrator's other sessions. Each
administrator picks the admin's language here or in the navigation (``/language``).
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.account_book import FIELDS, usable
from otpbroker.services.admin_accounts import LastAdministratorError
from otpbroker.web.admin.guard import current_session
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

ACTIONS = "activate|deactivate|block|unblock|delete"
DONE = {
    "activate": N_("Administrator activated."),
    "deactivate": N_("Administrator deactivated."),
    "block": N_("Administrator blocked."),
    "unblock": N_("Administrator unblocked."),
    "delete": N_("Administrator deleted."),
}
PASSWORDS_DIFFER = N_("the two passwords differ")
NO_SUCH = N_("no such administrator")


def _page(
    context: AdminServices,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    editing: dict[str, Any] | None = None,
) -> str:
    return render("admins", _("Administrators"), admins=context.admin_accounts.list(),
                  form=form or {}, editing=editing, errors=errors or {})  # fmt: skip


def _existing(context: AdminServices, admin_id: str) -> dict[str, Any]:
    """The administrator ``admin_id``; a 404 when there is none."""
    try:
        return context.admin_accounts.get(admin_id)
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None


def _read_form() -> tuple[dict[str, str], str, str]:
    """The account fields, the password and its repetition as typed."""
    form = bottle.request.forms
    values = {key: (form.getunicode(key, default="") or "").strip() for key in FIELDS}
    password = form.getunicode("password", default="") or ""
    return values, password, form.getunicode("password2", default="") or ""


def list_admins(context: AdminServices) -> str:
    """Every administrator, with the add form."""
    return _page(context)


def edit_form(context: AdminServices, admin_id: str) -> str:
    """The list with one administrator's edit form."""
    admin = _existing(context, admin_id)
    return _page(context, form={k: str(admin.get(k) or "") for k in FIELDS}, editing=admin)


def add(context: AdminServices) -> str:
    """Add an administrator with the password typed twice."""
    values, password, again = _read_form()
    if password != again:
        bottle.response.status = 400
        return _page(context, {"password2": _(PASSWORDS_DIFFER)}, values)
    try:
        context.admin_accounts.add(values, password)
    except ValueError as exc:
        bottle.response.status = 400
        return _page(context, field_errors(exc), values)
    flash(_("Administrator {name} added.").format(name=values["username"]))
    raise see_other("/admins")


def update(context: AdminServices, admin_id: str) -> str:
    """Save an administrator's fields and (unless blank) a new password."""
    editing = _existing(context, admin_id)
    values, password, again = _read_form()
    if password != again:
        bottle.response.status = 400
        return _page(context, {"password2": _(PASSWORDS_DIFFER)}, values, editing)
    try:
        admin = context.admin_accounts.edit(admin_id, values, password)
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None
    except ValueError as exc:
        bottle.response.status = 400
        return _page(context, field_errors(exc), values, editing)
    if password:  # blank keeps the current password
        session = current_session()
        context.sessions.destroy_admin(admin_id, keep=session.token if session else None)
    flash(_("Administrator {name} saved.").format(name=admin["username"]))
    raise see_other("/admins")


def change(context: AdminServices, admin_id: str, action: str) -> None:
    """Activate, deactivate, block, unblock or delete; the last usable one is refused."""
    accounts = context.admin_accounts
    try:
        if action == "delete":
            accounts.delete(admin_id)
            admin = None
        else:
            admin = accounts.set_flag(admin_id, action)
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None
    except LastAdministratorError as exc:
        flash(_("Refused: {reason}.").format(reason=exc), "error")
        raise see_other("/admins") from None
    if admin is None or not usable(admin):
        context.sessions.destroy_admin(admin_id)
    flash(_(DONE[action]))
    raise see_other("/admins")


def choose_language(context: AdminServices) -> None:
    """Keep the language the administrator picked (unknown: English); back to the page."""
    admin = bottle.request.environ.get("otpb.admin")
    if admin is None:  # the guard lets no one here without a session
        raise bottle.HTTPError(401, _("log in first"))
    form = bottle.request.forms
    try:
        context.admin_accounts.set_language(admin["id"], form.getunicode("language", default=""))
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None
    raise see_other(_local_path(form.getunicode("back", default="") or ""))


def _local_path(back: str) -> str:
    """``back`` when it is a path of this admin (never another site: ``//``, ``/\\``)."""
    local = back.startswith("/") and back[1:2] not in ("/", "\\") and back.isprintable()
    return back if local and " " not in back else "/"


ROUTES = (
    Route("GET", "/admins", list_admins),
    Route("POST", "/language", choose_language),
    Route("GET", "/admins/<admin_id>/edit", edit_form),
    Route("POST", "/admins", add),
    Route("POST", "/admins/<admin_id>", update),
    Route("POST", f"/admins/<admin_id>/<action:re:{ACTIONS}>", change),
)
