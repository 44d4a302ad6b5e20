"""E-mail accounts: view, add, edit, delete, activate, deactivate, and send a test mail.

Accounts are used in turn so that their daily limits add up. A ``local`` account delivers
straight to the recipient's mail server (the device's own relay, no external account).
Passwords are never sent back to the browser: a blank password field keeps the stored one.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import field_errors, flash, record_or_404, render, see_other

COLLECTION = "mail_accounts"
TEXT_FIELDS = ("name", "host", "username", "sender")
CHOICE_FIELDS = {"kind": ("smtp", "local"), "security": ("starttls", "ssl", "none")}
INT_FIELDS = ("port", "daily_limit")
FLAG_FIELDS = ("auth", "active")
DEFAULTS: dict[str, Any] = {"kind": "smtp", "port": 587, "security": "starttls", "auth": True,
                            "daily_limit": 0, "active": True}  # fmt: skip
PAST = {"activate": "activated", "deactivate": "deactivated"}
TEST_SUBJECT = "OTP Broker test mail"


def _read_form() -> tuple[dict[str, Any], str, dict[str, str]]:
    """The posted account (typed), the password typed (may be blank) and type errors."""
    form = bottle.request.forms
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        values[name] = (form.getunicode(name, default="") or "").strip()
    for name, choices in CHOICE_FIELDS.items():
        value = (form.getunicode(name, default="") or "").strip()
        values[name] = value
        if value not in choices:
            errors[name] = f"must be one of {', '.join(choices)}"
    for name in INT_FIELDS:
        text = (form.getunicode(name, default="") or "").strip()
        try:
            values[name] = int(text)
        except ValueError:
            values[name] = text
            errors[name] = f"must be a whole number, got {text[:20]!r}"
    for name in FLAG_FIELDS:
        values[name] = form.getunicode(name) is not None
    if values.get("kind") == "smtp":  # an account that could never send is refused here
        if not values.get("host"):
            errors.setdefault("host", "an SMTP account needs the server's host name")
        if values.get("auth") and not values.get("username"):
            errors.setdefault("username", "required when logging in is on (or untick it)")
    return values, form.getunicode("password", default="") or "", errors


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its password (only whether one is stored)."""
    shown = {k: v for k, v in record.items() if k != "password"}
    shown["password_set"] = bool(record.get("password"))
    return shown


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add the ``/mail`` pages."""

    def usage() -> dict[str, dict[str, Any]]:
        try:
            return {str(u.get("name")): u for u in context.mail_usage()}
        except Exception:  # the counters are a nicety; the page works without them
            return {}

    def page(
        errors: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
        editing: dict[str, Any] | None = None,
        test: dict[str, Any] | None = None,
    ) -> str:
        return render(
            "mail",
            "E-mail",
            accounts=[_public(record) for record in context.repo.list(COLLECTION)],
            usage=usage(),
            form={**DEFAULTS, **(form or {})},
            editing=_public(editing) if editing else None,
            test=test or {},
            errors=errors or {},
        )

    def account_or_404(account_id: str) -> dict[str, Any]:
        return record_or_404(context.repo, COLLECTION, account_id, "e-mail account")

    @app.get("/mail")
    def show() -> str:
        return page()

    @app.get("/mail/<account_id>/edit")
    def edit_form(account_id: str) -> str:
        record = account_or_404(account_id)
        return page(form={k: v for k, v in record.items() if k != "password"}, editing=record)

    @app.post("/mail")
    def add() -> str:
        values, password, errors = _read_form()
        if not errors:
            try:
                context.repo.add(COLLECTION, {**values, "password": password})
            except ValueError as exc:
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            return page(errors, values)
        flash(f"E-mail account {values['name']} added.")
        raise see_other("/mail")

    @app.post("/mail/test")
    def send_test() -> str:
        recipient = (bottle.request.forms.getunicode("recipient", default="") or "").strip()
        if not recipient:
            bottle.response.status = 400
            return page({"recipient": "enter the address to send the test mail to"},
                        test={"recipient": recipient})  # fmt: skip
        mailer = context.mailer()
        if mailer is None:
            return page(test={"recipient": recipient, "ok": False,
                              "text": "the e-mail service is not available"})  # fmt: skip
        admin = bottle.request.environ.get("otpb.admin") or {}
        body = (
            "This is a test mail from the OTP Broker on "
            f"{socket.gethostname()}, sent by administrator {admin.get('username', '?')} at "
            f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}.\n\n"
            "If you can read it, the e-mail accounts work.\n"
        )
        reply = mailer.send_mail(recipient, TEST_SUBJECT, body, "admin")
        if reply.ok:
            account = (reply.data or {}).get("account")
            text = f"sent to {recipient}" + (f" via account {account}" if account else "")
        else:
            text = f"not sent ({reply.code.response_code}): {reply.text}"
        return page(test={"recipient": recipient, "ok": bool(reply.ok), "text": text})

    @app.post("/mail/<account_id>")
    def update(account_id: str) -> str:
        record = account_or_404(account_id)
        values, password, errors = _read_form()
        if password:  # blank keeps the stored password
            values["password"] = password
        if not errors:
            try:
                record = context.repo.update(COLLECTION, account_id, values)
            except LookupError:
                raise bottle.HTTPError(404, "no such e-mail account") from None
            except ValueError as exc:
                errors = field_errors(exc)
        if errors:
            bottle.response.status = 400
            values.pop("password", None)
            return page(errors, values, record)
        flash(f"E-mail account {record['name']} saved.")
        raise see_other("/mail")

    @app.post("/mail/<account_id>/<action:re:activate|deactivate|delete>")
    def change(account_id: str, action: str) -> None:
        record = account_or_404(account_id)
        if action == "delete":
            context.repo.delete(COLLECTION, account_id)
            flash(f"E-mail account {record['name']} deleted.")
        else:
            context.repo.update(COLLECTION, account_id, {"active": action == "activate"})
            flash(f"E-mail account {record['name']} {PAST[action]}.")
        raise see_other("/mail")
