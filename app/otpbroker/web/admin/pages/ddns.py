"""DDNS: provider accounts, the records kept up to date, the updater's settings and state.

Accounts hold credentials (password, API token) that are never sent back to the browser:
a blank field keeps the stored value. Records show the updater's last address, time and
provider answer; editing or re-activating a record clears a stop caused by a fatal answer.
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.ddns_form import (
    PROVIDERS,
    PUSHED,
    SETTING_KEYS,
    public_account,
    read_account,
    read_record,
    read_settings,
    without_secrets,
)
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other
from otpbroker.web.admin.routes import Route

ACCOUNTS = "ddns_accounts"
RECORDS = "ddns_records"
PAST = {"activate": "activated", "deactivate": "deactivated", "delete": "deleted",
        "proxy": "proxied", "unproxy": "no longer proxied"}  # fmt: skip


def _status(context: AdminContext) -> dict[str, Any]:
    """The updater's last cycle; empty when it cannot be read."""
    try:
        return context.ddns_status() or {}
    except Exception:  # the state is a nicety; the page works without it
        return {}


def _page(context: AdminContext, errors: dict[str, str] | None = None, **forms: Any) -> str:
    """The page; ``forms`` fills the account, record or settings form (and which is edited)."""
    accounts = context.repo.list(ACCOUNTS)
    settings = context.repo.settings()
    return render(
        "ddns",
        "DDNS",
        accounts=[public_account(a) for a in accounts],
        names={str(a["id"]): a for a in accounts},
        records=context.repo.list(RECORDS),
        providers=PROVIDERS,
        status=_status(context),
        settings={key: settings.get(key) for key in SETTING_KEYS},
        account_form=forms.get("account_form") or {"provider": "cloudflare", "active": True},
        account_editing=forms.get("account_editing"),
        record_form=forms.get("record_form") or {"ttl": 1, "active": True},
        record_editing=forms.get("record_editing"),
        settings_form=forms.get("settings_form"),
        errors=errors or {},
    )


def _stored(context: AdminContext, collection: str, record_id: str) -> dict[str, Any]:
    return record_or_404(context.repo, collection, record_id, "DDNS account or record")


def _prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """Errors named after their form (``account.name``, ``record.ttl``)."""
    return {prefix + k: v for k, v in errors.items()}


def show(context: AdminContext) -> str:
    """Accounts, records, settings and the updater's state."""
    return _page(context)


# --- accounts -----------------------------------------------------------------------------


def edit_account(context: AdminContext, account_id: str) -> str:
    """The page with one account in the account form (secrets only as "stored")."""
    stored = _stored(context, ACCOUNTS, account_id)
    return _page(
        context, account_form=public_account(stored), account_editing=public_account(stored)
    )


def add_account(context: AdminContext) -> str:
    """Add a provider account (400 with the errors)."""
    values, errors = read_account(None)
    if not errors:
        try:
            context.repo.add(ACCOUNTS, values)
        except ValueError as exc:
            errors = _prefixed(field_errors(exc), "account.")
    else:
        errors = _prefixed(errors, "account.")
    if errors:
        bottle.response.status = 400
        return _page(context, errors, account_form=without_secrets(values))
    flash(f"DDNS account {values['name']} added.")
    raise see_other("/ddns")


def _retry_stopped(context: AdminContext, account_id: str) -> None:
    """New credentials: let the account's records stopped by a fatal answer try again."""
    for record in context.repo.list(RECORDS):
        if record.get("account") == account_id and record.get("last_status") == "fatal":
            context.repo.update(RECORDS, str(record["id"]), {"last_status": ""})


def save_account(context: AdminContext, account_id: str) -> str:
    """Save an account; blank secret fields keep the stored ones (400 with the errors)."""
    stored = _stored(context, ACCOUNTS, account_id)
    values, errors = read_account(stored)
    errors = _prefixed(errors, "account.")
    if not errors:
        try:
            context.repo.update(ACCOUNTS, account_id, values)
        except ValueError as exc:
            errors = _prefixed(field_errors(exc), "account.")
    if errors:
        bottle.response.status = 400
        return _page(context, errors, account_form=without_secrets(values),
                     account_editing=public_account(stored))  # fmt: skip
    _retry_stopped(context, account_id)
    flash(f"DDNS account {values['name']} saved.")
    raise see_other("/ddns")


def change_account(context: AdminContext, account_id: str, action: str) -> None:
    """Activate, deactivate or delete an account (not one that records still use)."""
    stored = _stored(context, ACCOUNTS, account_id)
    if action == "delete":
        repo = context.repo
        used = [r["name"] for r in repo.list(RECORDS) if r.get("account") == account_id]
        if used:
            flash(f"DDNS account {stored['name']} is used by {', '.join(used)}: "
                  "delete or move those records first.", "error")  # fmt: skip
            raise see_other("/ddns")
        repo.delete(ACCOUNTS, account_id)
    else:
        context.repo.update(ACCOUNTS, account_id, {"active": action == "activate"})
    flash(f"DDNS account {stored['name']} {PAST[action]}.")
    raise see_other("/ddns")


# --- records ------------------------------------------------------------------------------


def _check_account(context: AdminContext, values: dict[str, Any]) -> dict[str, str]:
    """The record's account exists, and can proxy when the record asks for it."""
    accounts = context.repo.list(ACCOUNTS)
    account = next((a for a in accounts if a["id"] == values["account"]), None)
    if account is None:
        return {"record.account": "choose one of the accounts (add an account first)"}
    if values.get("proxied") and account.get("provider") != "cloudflare":
        return {"record.proxied": "only Cloudflare records can be proxied"}
    return {}


def edit_record(context: AdminContext, record_id: str) -> str:
    """The page with one record in the record form."""
    stored = _stored(context, RECORDS, record_id)
    return _page(context, record_form=stored, record_editing=stored)


def add_record(context: AdminContext) -> str:
    """Add a record to keep up to date (400 with the errors)."""
    values, errors = read_record()
    errors = _prefixed(errors, "record.") or _check_account(context, values)
    if not errors:
        try:
            context.repo.add(RECORDS, values)
        except ValueError as exc:
            errors = _prefixed(field_errors(exc), "record.")
    if errors:
        bottle.response.status = 400
        return _page(context, errors, record_form=values)
    flash(f"DDNS record {values['name']} added.")
    raise see_other("/ddns")


def save_record(context: AdminContext, record_id: str) -> str:
    """Save a record; the edit clears a stop, a pushed field re-sends the address."""
    stored = _stored(context, RECORDS, record_id)
    values, errors = read_record()
    errors = _prefixed(errors, "record.") or _check_account(context, values)
    if not errors:
        changes = {**values, "last_status": ""}  # an edit clears a stop after a fatal answer
        if any(stored.get(key) != values.get(key) for key in PUSHED):
            changes["last_address"] = ""
        try:
            context.repo.update(RECORDS, record_id, changes)
        except ValueError as exc:
            errors = _prefixed(field_errors(exc), "record.")
    if errors:
        bottle.response.status = 400
        return _page(context, errors, record_form=values, record_editing=stored)
    flash(f"DDNS record {values['name']} saved.")
    raise see_other("/ddns")


def _record_changes(context: AdminContext, stored: dict[str, Any], action: str) -> dict[str, Any]:
    """The fields an action on a record changes (proxying only on Cloudflare)."""
    if action in ("proxy", "unproxy"):
        if action == "proxy" and _check_account(context, {**stored, "proxied": True}):
            flash("Only Cloudflare records can be proxied.", "error")
            raise see_other("/ddns")
        return {"proxied": action == "proxy", "last_address": "", "last_status": ""}
    active = action == "activate"
    return {"active": active, **({"last_status": ""} if active else {})}


def change_record(context: AdminContext, record_id: str, action: str) -> None:
    """Activate, deactivate, delete, proxy or unproxy a record."""
    stored = _stored(context, RECORDS, record_id)
    if action == "delete":
        context.repo.delete(RECORDS, record_id)
    else:
        context.repo.update(RECORDS, record_id, _record_changes(context, stored, action))
    flash(f"DDNS record {stored['name']} {PAST[action]}.")
    raise see_other("/ddns")


# --- settings and "Update now" ------------------------------------------------------------


def save_settings(context: AdminContext) -> str:
    """Save the updater's settings (400 with the errors)."""
    changes, shown = read_settings(context.repo.settings())
    errors: dict[str, str] = {}
    if isinstance(shown["ddns.interval_seconds"], str):
        errors["ddns.interval_seconds"] = "must be a whole number of seconds"
    elif changes:
        try:
            context.repo.update_settings(changes)
        except ValueError as exc:
            key = str(getattr(exc, "key", "") or "_form")
            errors[key if key in SETTING_KEYS else "_form"] = str(getattr(exc, "rule", exc))
    if errors:
        bottle.response.status = 400
        return _page(context, errors, settings_form=shown)
    flash("DDNS settings saved." if changes else "Nothing changed.")
    raise see_other("/ddns")


def update_now(context: AdminContext) -> None:
    """Start an update cycle at once."""
    context.ddns_update_now()
    flash("Update started: records whose address changed are sent now.")
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
