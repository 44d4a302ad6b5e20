"""E-mail accounts: view, add, edit, delete, activate, deactivate, and send a test mail.

Accounts are used in turn so that their daily limits add up. A ``local`` account delivers
straight to the recipient's mail server (the device's own relay, no external account).
Passwords are never sent back to the browser: a blank password field keeps the stored one.
The rules and the test mail are the mail accounts service's (``services/mail_accounts.py``);
this page reads the form and shows the outcome.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import bottle

from otpbroker.i18n.translate import _
from otpbroker.services.mail_accounts import MailAccountRefused, problems
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

TEXT_FIELDS = ("name", "host", "username", "sender")
CHOICE_FIELDS = {"kind": ("smtp", "local"), "security": ("starttls", "ssl", "none")}
INT_FIELDS = ("port", "daily_limit")
FLAG_FIELDS = ("auth", "active")
DEFAULTS: dict[str, Any] = {"kind": "smtp", "port": 587, "security": "starttls", "auth": True,
                            "daily_limit": 0, "active": True}  # fmt: skip


def _text(name: str) -> str:
    return (bottle.request.forms.getunicode(name, default="") or "").strip()


def _read_form() -> tuple[dict[str, Any], str, dict[str, str]]:
    """The posted account (typed), the password typed (may be blank) and type errors."""
    form = bottle.request.forms
    values: dict[str, Any] = {name: _text(name) for name in TEXT_FIELDS}
    errors: dict[str, str] = {}
    for name, choices in CHOICE_FIELDS.items():
        values[name] = _text(name)
        if values[name] not in choices:
            errors[name] = _("must be one of {allowed}").format(allowed=", ".join(choices))
    for name in INT_FIELDS:
        text = _text(name)
        try:
            values[name] = int(text)
        except ValueError:
            values[name] = text
            errors[name] = _("must be a whole number, got {value}").format(value=repr(text[:20]))
    for name in FLAG_FIELDS:
        values[name] = form.getunicode(name) is not None
    if values.get("kind") == "smtp":  # shown with the type errors, which come first
        errors = {**problems(values), **errors}
    return values, form.getunicode("password", default="") or "", errors


def _refused(exc: ValueError) -> dict[str, str]:
    """The errors by field of a refused account."""
    return exc.errors if isinstance(exc, MailAccountRefused) else field_errors(exc)


def _page(
    context: AdminServices,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    editing: dict[str, Any] | None = None,
    test: dict[str, Any] | None = None,
) -> str:
    return render(
        "mail",
        _("E-mail"),
        accounts=context.mail_accounts.list(),
        usage=context.mail_accounts.usage(),
        form={**DEFAULTS, **(form or {})},
        editing=editing or None,
        test=test or {},
        errors=errors or {},
    )


def _account_or_404(context: AdminServices, account_id: str) -> dict[str, Any]:
    """The account without its password; a 404 when there is none."""
    try:
        return context.mail_accounts.get(account_id)
    except LookupError:
        raise bottle.HTTPError(404, _("no such e-mail account")) from None


def _test_body() -> str:
    """The test mail's text: which device, which administrator, when."""
    admin = bottle.request.environ.get("otpb.admin") or {}
    text = _(
        "This is a test mail from the OTP Broker on {host}, sent by administrator {admin} at "
        "{time}.\n\nIf you can read it, the e-mail accounts work.\n"
    )
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return text.format(host=socket.gethostname(), admin=admin.get("username", "?"), time=when)


def show(context: AdminServices) -> str:
    """The accounts, their usage today, the add form and the test mail form."""
    return _page(context)


def edit_form(context: AdminServices, account_id: str) -> str:
    """The page with an account's form filled in (never its password)."""
    record = _account_or_404(context, account_id)
    form = {k: v for k, v in record.items() if k != "password_set"}
    return _page(context, form=form, editing=record)


def add(context: AdminServices) -> str:
    """Store a new account."""
    values, password, errors = _read_form()
    if not errors:
        try:
            context.mail_accounts.add(values, password)
        except ValueError as exc:
            errors = _refused(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values)
    flash(_("E-mail account {name} added.").format(name=values["name"]))
    raise see_other("/mail")


def send_test(context: AdminServices) -> str:
    """Send a test mail through the accounts; the outcome is shown on the page."""
    recipient = _text("recipient")
    if not recipient:
        bottle.response.status = 400
        return _page(context, {"recipient": _("enter the address to send the test mail to")},
                     test={"recipient": recipient})  # fmt: skip
    ok, text = context.mail_accounts.send_test(recipient, _test_body())
    return _page(context, test={"recipient": recipient, "ok": ok, "text": text})


def update(context: AdminServices, account_id: str) -> str:
    """Save an account; a blank password keeps the stored one."""
    record = _account_or_404(context, account_id)
    values, password, errors = _read_form()
    if not errors:
        try:  # a blank password keeps the stored one
            record = context.mail_accounts.edit(account_id, values, password)
        except LookupError:
            raise bottle.HTTPError(404, _("no such e-mail account")) from None
        except ValueError as exc:
            errors = _refused(exc)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values, record)
    flash(_("E-mail account {name} saved.").format(name=record["name"]))
    raise see_other("/mail")


def change(context: AdminServices, account_id: str, action: str) -> None:
    """Activate, deactivate or delete an account."""
    record = _account_or_404(context, account_id)
    if action == "delete":
        context.mail_accounts.delete(account_id)
        flash(_("E-mail account {name} deleted.").format(name=record["name"]))
    elif action == "activate":
        context.mail_accounts.set_active(account_id, True)
        flash(_("E-mail account {name} activated.").format(name=record["name"]))
    else:
        context.mail_accounts.set_active(account_id, False)
        flash(_("E-mail account {name} deactivated.").format(name=record["name"]))
    raise see_other("/mail")


ROUTES = (
    Route("GET", "/mail", show),
    Route("GET", "/mail/<account_id>/edit", edit_form),
    Route("POST", "/mail", add),
    Route("POST", "/mail/test", send_test),
    Route("POST", "/mail/<account_id>", update),
    Route("POST", "/mail/<account_id>/<action:re:activate|deactivate|delete>", change),
)
