"""DDNS: provider accounts, the records kept up to date, the updater's settings and state.

Accounts hold credentials (password, API token) that are never sent back to the browser:
a blank field keeps the stored value. Records show the updater's last address, time and
provider answer; editing or re-activating a record clears a stop caused by a fatal answer.
"""

from __future__ import annotations

from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other

ACCOUNTS = "ddns_accounts"
RECORDS = "ddns_records"
PROVIDERS = {"cloudflare": "Cloudflare", "noip": "No-IP", "dynu": "Dynu",
             "freedns": "FreeDNS (afraid.org)"}  # fmt: skip
SECRETS = ("password", "api_token")
NEEDS = {"cloudflare": ("api_token",), "freedns": ("api_token",),
         "noip": ("username", "password"), "dynu": ("username", "password")}  # fmt: skip
NEED_TEXT = {"api_token": "this provider needs its token", "username": "required for this provider",
             "password": "required for this provider"}  # fmt: skip
PUSHED = ("name", "account", "proxied", "ttl")  # changing these re-sends the address
SETTING_KEYS = ("ddns.enabled", "ddns.interval_seconds", "ddns.ip_source", "ddns.ip_services",
                "ddns.contact")  # fmt: skip
PAST = {"activate": "activated", "deactivate": "deactivated", "delete": "deleted",
        "proxy": "proxied", "unproxy": "no longer proxied"}  # fmt: skip


def _text(name: str) -> str:
    return (bottle.request.forms.getunicode(name, default="") or "").strip()


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """An account without its secrets (only whether each is stored)."""
    shown = {k: v for k, v in record.items() if k not in SECRETS}
    for key in SECRETS:
        shown[f"{key}_set"] = bool(record.get(key))
    return shown


def _read_account(stored: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted account (secrets only when typed) and the errors found before the store."""
    values: dict[str, Any] = {k: _text(k) for k in ("name", "provider", "username", "base_url")}
    values["active"] = bottle.request.forms.getunicode("active") is not None
    for key in SECRETS:
        typed = bottle.request.forms.getunicode(key, default="") or ""
        if typed:
            values[key] = typed
    errors: dict[str, str] = {}
    if values["provider"] not in PROVIDERS:
        errors["provider"] = f"must be one of {', '.join(PROVIDERS)}"
    for key in NEEDS.get(values["provider"], ()):
        if not values.get(key) and not (stored or {}).get(key):
            errors[key] = NEED_TEXT[key]
    return values, errors


def _read_record() -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {"name": _text("name").lower().rstrip("."),
                              "account": _text("account")}  # fmt: skip
    values["proxied"] = bottle.request.forms.getunicode("proxied") is not None
    values["active"] = bottle.request.forms.getunicode("active") is not None
    errors: dict[str, str] = {}
    ttl = _text("ttl") or "1"
    try:
        values["ttl"] = int(ttl)
    except ValueError:
        values["ttl"] = ttl
        errors["ttl"] = f"must be a whole number, got {ttl[:20]!r}"
    return values, errors


def _read_settings(current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(changes, shown)`` from the settings form (shown keeps what was typed)."""
    interval = _text("ddns.interval_seconds")
    services = [line.strip() for line in _text("ddns.ip_services").splitlines() if line.strip()]
    shown: dict[str, Any] = {
        "ddns.enabled": bottle.request.forms.getunicode("ddns.enabled") is not None,
        "ddns.interval_seconds": int(interval) if interval.isdigit() else interval,
        "ddns.ip_source": _text("ddns.ip_source") or "web",
        "ddns.ip_services": services,
        "ddns.contact": _text("ddns.contact"),
    }
    changes = {key: value for key, value in shown.items() if current.get(key) != value}
    return changes, shown


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the ``/ddns`` pages."""
    repo = context.repo

    def page(errors: dict[str, str] | None = None, **forms: Any) -> str:
        accounts = repo.list(ACCOUNTS)
        settings = repo.settings()
        try:
            status = context.ddns_status() or {}
        except Exception:  # the state is a nicety; the page works without it
            status = {}
        return render(
            "ddns",
            "DDNS",
            accounts=[_public(a) for a in accounts],
            names={str(a["id"]): a for a in accounts},
            records=repo.list(RECORDS),
            providers=PROVIDERS,
            status=status,
            settings={key: settings.get(key) for key in SETTING_KEYS},
            account_form=forms.get("account_form") or {"provider": "cloudflare", "active": True},
            account_editing=forms.get("account_editing"),
            record_form=forms.get("record_form") or {"ttl": 1, "active": True},
            record_editing=forms.get("record_editing"),
            settings_form=forms.get("settings_form"),
            errors=errors or {},
        )

    def get_or_404(name: str, record_id: str) -> dict[str, Any]:
        return record_or_404(repo, name, record_id, "DDNS account or record")

    def store_errors(exc: Exception, prefix: str = "") -> dict[str, str]:
        return {prefix + k: v for k, v in field_errors(exc).items()}

    @app.get("/ddns")
    def show() -> str:
        return page()

    # --- accounts ---------------------------------------------------------------------

    @app.get("/ddns/accounts/<account_id>/edit")
    def edit_account(account_id: str) -> str:
        stored = get_or_404(ACCOUNTS, account_id)
        return page(account_form=_public(stored), account_editing=_public(stored))

    @app.post("/ddns/accounts")
    def add_account() -> str:
        values, errors = _read_account(None)
        if not errors:
            try:
                repo.add(ACCOUNTS, values)
            except ValueError as exc:
                errors = store_errors(exc, "account.")
        else:
            errors = {f"account.{k}": v for k, v in errors.items()}
        if errors:
            bottle.response.status = 400
            return page(errors, account_form={k: v for k, v in values.items() if k not in SECRETS})
        flash(f"DDNS account {values['name']} added.")
        raise see_other("/ddns")

    @app.post("/ddns/accounts/<account_id>")
    def save_account(account_id: str) -> str:
        stored = get_or_404(ACCOUNTS, account_id)
        values, errors = _read_account(stored)
        errors = {f"account.{k}": v for k, v in errors.items()}
        if not errors:
            try:
                repo.update(ACCOUNTS, account_id, values)
            except ValueError as exc:
                errors = store_errors(exc, "account.")
        if errors:
            bottle.response.status = 400
            shown = {k: v for k, v in values.items() if k not in SECRETS}
            return page(errors, account_form=shown, account_editing=_public(stored))
        for record in repo.list(RECORDS):  # new credentials: let stopped records try again
            if record.get("account") == account_id and record.get("last_status") == "fatal":
                repo.update(RECORDS, str(record["id"]), {"last_status": ""})
        flash(f"DDNS account {values['name']} saved.")
        raise see_other("/ddns")

    @app.post("/ddns/accounts/<account_id>/<action:re:activate|deactivate|delete>")
    def change_account(account_id: str, action: str) -> None:
        stored = get_or_404(ACCOUNTS, account_id)
        if action == "delete":
            used = [r["name"] for r in repo.list(RECORDS) if r.get("account") == account_id]
            if used:
                flash(f"DDNS account {stored['name']} is used by {', '.join(used)}: "
                      "delete or move those records first.", "error")  # fmt: skip
                raise see_other("/ddns")
            repo.delete(ACCOUNTS, account_id)
        else:
            repo.update(ACCOUNTS, account_id, {"active": action == "activate"})
        flash(f"DDNS account {stored['name']} {PAST[action]}.")
        raise see_other("/ddns")

    # --- records ----------------------------------------------------------------------

    def check_account(values: dict[str, Any]) -> dict[str, str]:
        account = next((a for a in repo.list(ACCOUNTS) if a["id"] == values["account"]), None)
        if account is None:
            return {"record.account": "choose one of the accounts (add an account first)"}
        if values.get("proxied") and account.get("provider") != "cloudflare":
            return {"record.proxied": "only Cloudflare records can be proxied"}
        return {}

    @app.get("/ddns/records/<record_id>/edit")
    def edit_record(record_id: str) -> str:
        stored = get_or_404(RECORDS, record_id)
        return page(record_form=stored, record_editing=stored)

    @app.post("/ddns/records")
    def add_record() -> str:
        values, errors = _read_record()
        errors = {f"record.{k}": v for k, v in errors.items()} or check_account(values)
        if not errors:
            try:
                repo.add(RECORDS, values)
            except ValueError as exc:
                errors = store_errors(exc, "record.")
        if errors:
            bottle.response.status = 400
            return page(errors, record_form=values)
        flash(f"DDNS record {values['name']} added.")
        raise see_other("/ddns")

    @app.post("/ddns/records/<record_id>")
    def save_record(record_id: str) -> str:
        stored = get_or_404(RECORDS, record_id)
        values, errors = _read_record()
        errors = {f"record.{k}": v for k, v in errors.items()} or check_account(values)
        if not errors:
            changes = {**values, "last_status": ""}  # an edit clears a stop after a fatal answer
            if any(stored.get(key) != values.get(key) for key in PUSHED):
                changes["last_address"] = ""
            try:
                repo.update(RECORDS, record_id, changes)
            except ValueError as exc:
                errors = store_errors(exc, "record.")
        if errors:
            bottle.response.status = 400
            return page(errors, record_form=values, record_editing=stored)
        flash(f"DDNS record {values['name']} saved.")
        raise see_other("/ddns")

    @app.post("/ddns/records/<record_id>/<action:re:activate|deactivate|delete|proxy|unproxy>")
    def change_record(record_id: str, action: str) -> None:
        stored = get_or_404(RECORDS, record_id)
        if action == "delete":
            repo.delete(RECORDS, record_id)
        elif action in ("proxy", "unproxy"):
            if action == "proxy" and check_account({**stored, "proxied": True}):
                flash("Only Cloudflare records can be proxied.", "error")
                raise see_other("/ddns")
            repo.update(RECORDS, record_id, {"proxied": action == "proxy", "last_address": "",
                                             "last_status": ""})  # fmt: skip
        else:
            active = action == "activate"
            repo.update(RECORDS, record_id, {"active": active, **({"last_status": ""} if active
                                                                   else {})})  # fmt: skip
        flash(f"DDNS record {stored['name']} {PAST[action]}.")
        raise see_other("/ddns")

    # --- settings and "Update now" --------------------------------------------------------

    @app.post("/ddns/settings")
    def save_settings() -> str:
        changes, shown = _read_settings(repo.settings())
        errors: dict[str, str] = {}
        if isinstance(shown["ddns.interval_seconds"], str):
            errors["ddns.interval_seconds"] = "must be a whole number of seconds"
        elif changes:
            try:
                repo.update_settings(changes)
            except ValueError as exc:
                key = str(getattr(exc, "key", "") or "_form")
                errors[key if key in SETTING_KEYS else "_form"] = str(getattr(exc, "rule", exc))
        if errors:
            bottle.response.status = 400
            return page(errors, settings_form=shown)
        flash("DDNS settings saved." if changes else "Nothing changed.")
        raise see_other("/ddns")

    @app.post("/ddns/update-now")
    def update_now() -> None:
        context.ddns_update_now()
        flash("Update started: records whose address changed are sent now.")
        raise see_other("/ddns")
