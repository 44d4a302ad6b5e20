"""DDNS: provider accounts, the records kept up to date, the updater's settings and state.

Accounts hold credentials (password, API token) that are never sent back to the browser:
a blank field keeps the stored value. Records show the updater's last address, time and
provider answer; editing or re-activating a record clears a stop caused by a fatal answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.ddns_accounts import PROVIDERS, DdnsRefused
from otpbroker.services.settings import SettingsRefused
from otpbroker.web.admin.ddns_form import (
    SETTING_KEYS,
    public_account,
    read_account,
    read_record,
    read_settings,
    without_secrets,
)
from otpbroker.web.admin.moments import from_iso
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

ACCOUNT_DONE = {
    "activate": N_("DDNS account {name} activated."),
    "deactivate": N_("DDNS account {name} deactivated."),
    "delete": N_("DDNS account {name} deleted."),
}
RECORD_DONE = {
    "activate": N_("DDNS record {name} activated."),
    "deactivate": N_("DDNS record {name} deactivated."),
    "delete": N_("DDNS record {name} deleted."),
    "proxy": N_("DDNS record {name} proxied."),
    "unproxy": N_("DDNS record {name} no longer proxied."),
}
#: The updater's last answer for a record, as the page names it.
ANSWERS = {
    "updated": N_("updated"),
    "unchanged": N_("unchanged"),
    "retry": N_("retry"),
    "fatal": N_("stopped"),
}


def answer(status: str) -> str:
    """The name of a record's last outcome."""
    return _(ANSWERS[status]) if status in ANSWERS else status


def _status(context: AdminServices) -> dict[str, Any]:
    """The updater's last cycle; empty when it cannot be read."""
    try:
        return context.ddns.status() or {}
    except Exception:  # the state is a nicety; the page works without it
        return {}


def _page(context: AdminServices, errors: dict[str, str] | None = None, **forms: Any) -> str:
    """The page; ``forms`` fills the account, record or settings form (and which is edited)."""
    accounts = context.ddns_accounts.accounts()
    return render(
        "ddns",
        _("DDNS"),
        accounts=[public_account(a) for a in accounts],
        names={str(a["id"]): a for a in accounts},
        records=context.ddns_accounts.records(),
        providers=PROVIDERS,
        status=_status(context),
        settings=context.settings.values(SETTING_KEYS),
        account_form=forms.get("account_form") or {"provider": "cloudflare", "active": True},
        account_editing=forms.get("account_editing"),
        record_form=forms.get("record_form") or {"ttl": 1, "active": True},
        record_editing=forms.get("record_editing"),
        settings_form=forms.get("settings_form"),
        errors=errors or {},
        when=from_iso,
        answer=answer,
    )


def _found(read: Callable[[str], dict[str, Any]], record_id: str) -> dict[str, Any]:
    """An account or record, or a 404."""
    try:
        return read(record_id)
    except LookupError:
        raise bottle.HTTPError(404, _("No such DDNS account or record.")) from None


def _prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """Errors named after their form (``account.name``, ``record.ttl``)."""
    return {prefix + k: v for k, v in errors.items()}


def show(context: AdminServices) -> str:
    """Accounts, records, settings and the updater's state."""
    return _page(context)


# --- accounts -----------------------------------------------------------------------------


def edit_account(context: AdminServices, account_id: str) -> str:
    """The page with one account in the account form (secrets only as "stored")."""
    stored = _found(context.ddns_accounts.account, account_id)
    return _page(
        context, account_form=public_account(stored), account_editing=public_account(stored)
    )


def add_account(context: AdminServices) -> str:
    """Add a provider account (400 with the errors)."""
    values = read_account()
    try:
        context.ddns_accounts.add_account(values)
    except DdnsRefused as exc:
        bottle.response.status = 400
        return _page(context, _prefixed(exc.errors, "account."),
                     account_form=without_secrets(values))  # fmt: skip
    flash(_("DDNS account {name} added.").format(name=values["name"]))
    raise see_other("/ddns")


def save_account(context: AdminServices, account_id: str) -> str:
    """Save an account; blank secret fields keep the stored ones (400 with the errors)."""
    stored = _found(context.ddns_accounts.account, account_id)
    values = read_account()
    try:
        context.ddns_accounts.save_account(account_id, values)
    except DdnsRefused as exc:
        bottle.response.status = 400
        return _page(context, _prefixed(exc.errors, "account."),
                     account_form=without_secrets(values),
                     account_editing=public_account(stored))  # fmt: skip
    flash(_("DDNS account {name} saved.").format(name=values["name"]))
    raise see_other("/ddns")


def change_account(context: AdminServices, account_id: str, action: str) -> None:
    """Activate, deactivate or delete an account (not one that records still use)."""
    accounts = context.ddns_accounts
    stored = _found(accounts.account, account_id)
    try:
        if action == "delete":
            accounts.delete_account(account_id)
        else:
            accounts.set_account_active(account_id, action == "activate")
    except DdnsRefused as exc:
        flash(" ".join(exc.errors.values()), "error")
        raise see_other("/ddns") from None
    flash(_(ACCOUNT_DONE[action]).format(name=stored["name"]))
    raise see_other("/ddns")


# --- records ------------------------------------------------------------------------------


def edit_record(context: AdminServices, record_id: str) -> str:
    """The page with one record in the record form."""
    stored = _found(context.ddns_accounts.record, record_id)
    return _page(context, record_form=stored, record_editing=stored)


def add_record(context: AdminServices) -> str:
    """Add a record to keep up to date (400 with the errors)."""
    values, errors = read_record()
    if not errors:
        try:
            context.ddns_accounts.add_record(values)
        except DdnsRefused as exc:
            errors = exc.errors
    if errors:
        bottle.response.status = 400
        return _page(context, _prefixed(errors, "record."), record_form=values)
    flash(_("DDNS record {name} added.").format(name=values["name"]))
    raise see_other("/ddns")


def save_record(context: AdminServices, record_id: str) -> str:
    """Save a record; the edit clears a stop, a pushed field re-sends the address."""
    stored = _found(context.ddns_accounts.record, record_id)
    values, errors = read_record()
    if not errors:
        try:
            context.ddns_accounts.save_record(record_id, values)
        except DdnsRefused as exc:
            errors = exc.errors
    if errors:
        bottle.response.status = 400
        return _page(context, _prefixed(errors, "record."), record_form=values,
                     record_editing=stored)  # fmt: skip
    flash(_("DDNS record {name} saved.").format(name=values["name"]))
    raise see_other("/ddns")


def change_record(context: AdminServices, record_id: str, action: str) -> None:
    """Activate, deactivate, delete, proxy or unproxy a record."""
    records = context.ddns_accounts
    stored = _found(records.record, record_id)
    try:
        if action == "delete":
            records.delete_record(record_id)
        elif action in ("proxy", "unproxy"):
            records.set_record_proxied(record_id, action == "proxy")
        else:
            records.set_record_active(record_id, action == "activate")
    except DdnsRefused:
        flash(_("Only Cloudflare records can be proxied."), "error")
        raise see_other("/ddns") from None
    flash(_(RECORD_DONE[action]).format(name=stored["name"]))
    raise see_other("/ddns")


# --- settings and "Update now" ------------------------------------------------------------


def save_settings(context: AdminServices) -> str:
    """Save the updater's settings (400 with the errors)."""
    changes, shown = read_settings(context.settings.current())
    errors: dict[str, str] = {}
    if isinstance(shown["ddns.interval_seconds"], str):
        errors["ddns.interval_seconds"] = _("must be a whole number of seconds")
    else:
        try:
            context.settings.save(changes)
        except SettingsRefused as exc:
            key = exc.key or "_form"
            errors[key if key in SETTING_KEYS else "_form"] = exc.rule
    if errors:
        bottle.response.status = 400
        return _page(context, errors, settings_form=shown)
    flash(_("DDNS settings saved.") if changes else _("Nothing changed."))
    raise see_other("/ddns")


def update_now(context: AdminServices) -> None:
    """Start an update cycle at once."""
    context.ddns.update_now()
    flash(_("Update started: records whose address changed are sent now."))
    raise see_other("/ddns")


ROUTES = (
    Route("GET", "/ddns", show),
    Route("GET", "/ddns/accounts/<account_id>/edit", edit_account),
    Route("POST", "/ddns/accounts", add_account),
    Route("POST", "/ddns/accounts/<account_id>", save_account),
    Route(
        "POST", "/ddns/accounts/<account_id>/<action:re:activate|deactivate|delete>", change_account
    ),
    Route("GET", "/ddns/records/<record_id>/edit", edit_record),
    Route("POST", "/ddns/records", add_record),
    Route("POST", "/ddns/records/<record_id>", save_record),
    Route(
        "POST",
        "/ddns/records/<record_id>/<action:re:activate|deactivate|delete|proxy|unproxy>",
        change_record,
    ),
    Route("POST", "/ddns/settings", save_settings),
    Route("POST", "/ddns/update-now", update_now),
)
