"""Webhooks: list (owner, URL, events, backlog, last error), add, edit, activate, deactivate,
delete, show and regenerate the secret, send a test event; the dead-letter list with "retry
now" (one, or all).

A secret is shown only on the page that answers the POST that made or asked for it, never
in a list, a flash cookie or a log. The rules are the webhooks service's
(``services/webhooks.py``); this page reads the form and shows the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import bottle

from otpbroker.i18n.formats import format_datetime
from otpbroker.i18n.translate import N_, _
from otpbroker.services.webhook_failures import failure_words
from otpbroker.services.webhooks import WebhookRefused
from otpbroker.web.admin.render import field_errors, flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

KINDS = ("status", "inbound", "alert")
DEFAULTS: dict[str, Any] = {"owner": "", "url": "", "events": ["status"], "active": True,
                            "allow_private_address": False}  # fmt: skip
NO_SUCH = N_("no such webhook")


def _read_form() -> dict[str, Any]:
    """The posted webhook, typed."""
    form = bottle.request.forms
    return {
        "owner": (form.getunicode("owner", default="") or "").strip(),
        "url": (form.getunicode("url", default="") or "").strip(),
        "events": [kind for kind in KINDS if form.getunicode(f"event_{kind}") is not None],
        "active": form.getunicode("active") is not None,
        "allow_private_address": form.getunicode("allow_private_address") is not None,
    }


def _refused(exc: ValueError) -> dict[str, str]:
    return exc.errors if isinstance(exc, WebhookRefused) else field_errors(exc)


def _when(stamp: float) -> str:
    """A moment in local time, written for the page's language."""
    return format_datetime(datetime.fromtimestamp(stamp).astimezone())


def _page(
    context: AdminServices,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    editing: dict[str, Any] | None = None,
    secret: dict[str, str] | None = None,
) -> str:
    return render(
        "webhooks",
        _("Webhooks"),
        hooks=context.webhooks.list(),
        owners=context.webhooks.owners(),
        letters=context.webhooks.dead_letters(),
        when=_when,
        failure_words=failure_words,
        form={**DEFAULTS, **(form or {})},
        editing=editing or None,
        secret=secret or None,
        errors=errors or {},
    )


def _hook_or_404(context: AdminServices, webhook_id: str) -> dict[str, Any]:
    try:
        return context.webhooks.get(webhook_id)
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None


def _secret_page(context: AdminServices, record: dict[str, Any], secret: str, note: str) -> str:
    bottle.response.set_header("Cache-Control", "no-store")
    return _page(context, secret={"url": record["url"], "value": secret, "note": note})


def show(context: AdminServices) -> str:
    """The webhooks, the add form and the dead letters."""
    return _page(context)


def edit_form(context: AdminServices, webhook_id: str) -> str:
    """The page with a webhook's form filled in (never its secret)."""
    record = _hook_or_404(context, webhook_id)
    return _page(context, form=record, editing=record)


def add(context: AdminServices) -> str:
    """Store a new webhook; the page shows its secret once."""
    values = _read_form()
    try:
        record, secret = context.webhooks.add(values)
    except ValueError as exc:
        bottle.response.status = 400
        return _page(context, _refused(exc), values)
    return _secret_page(context, record, secret, _("Webhook added. Its secret, for the receiver:"))


def update(context: AdminServices, webhook_id: str) -> str:
    """Save a webhook (its secret stays)."""
    record = _hook_or_404(context, webhook_id)
    values = _read_form()
    try:
        context.webhooks.edit(webhook_id, values)
    except LookupError:
        raise bottle.HTTPError(404, _(NO_SUCH)) from None
    except ValueError as exc:
        bottle.response.status = 400
        return _page(context, _refused(exc), values, record)
    flash(_("Webhook {url} saved.").format(url=values["url"]))
    raise see_other("/webhooks")


def change(context: AdminServices, webhook_id: str, action: str) -> None:
    """Activate, deactivate or delete a webhook."""
    record = _hook_or_404(context, webhook_id)
    if action == "delete":
        context.webhooks.delete(webhook_id)
        message = _("Webhook {url} deleted (with its backlog and dead letters).")
        flash(message.format(url=record["url"]))
    elif action == "activate":
        context.webhooks.set_active(webhook_id, True)
        flash(_("Webhook {url} activated.").format(url=record["url"]))
    else:
        context.webhooks.set_active(webhook_id, False)
        flash(_("Webhook {url} deactivated.").format(url=record["url"]))
    raise see_other("/webhooks")


def show_secret(context: AdminServices, webhook_id: str) -> str:
    """Show a webhook's secret to the administrator who asks."""
    record = _hook_or_404(context, webhook_id)
    secret = context.webhooks.secret(webhook_id)
    return _secret_page(context, record, secret, _("The webhook's secret, for the receiver:"))


def regenerate(context: AdminServices, webhook_id: str) -> str:
    """A new secret (the old one stops working at once), shown once."""
    record = _hook_or_404(context, webhook_id)
    secret = context.webhooks.regenerate_secret(webhook_id)
    note = _("New secret (the old one no longer signs; give this one to the receiver):")
    return _secret_page(context, record, secret, note)


def send_test(context: AdminServices, webhook_id: str) -> None:
    """Queue a test status event to the webhook."""
    record = _hook_or_404(context, webhook_id)
    event_id = context.webhooks.send_test(webhook_id)
    message = _("Test event {event} queued for {url}: see its backlog and last error.")
    flash(message.format(event=event_id, url=record["url"]))
    raise see_other("/webhooks")


def retry(context: AdminServices, letter_id: str) -> None:
    """Send one dead letter again now."""
    if context.webhooks.retry(letter_id):
        flash(_("Dead letter sent again."))
    else:
        flash(_("That dead letter is gone (sent again already, or its webhook deleted)."), "error")
    raise see_other("/webhooks#dead-letters")


def retry_all(context: AdminServices) -> None:
    """Send every dead letter again now."""
    count = context.webhooks.retry_all()
    # one message for every count: the catalogue checks read no plural entries yet
    flash(_("Dead letters sent again: {count}.").format(count=count))
    raise see_other("/webhooks#dead-letters")


ROUTES = (
    Route("GET", "/webhooks", show),
    Route("GET", "/webhooks/<webhook_id>/edit", edit_form),
    Route("POST", "/webhooks", add),
    Route("POST", "/webhooks/<webhook_id>", update),
    Route("POST", "/webhooks/<webhook_id>/<action:re:activate|deactivate|delete>", change),
    Route("POST", "/webhooks/<webhook_id>/secret", show_secret),
    Route("POST", "/webhooks/<webhook_id>/regenerate", regenerate),
    Route("POST", "/webhooks/<webhook_id>/test", send_test),
    Route("POST", "/webhook-dead-letters/<letter_id>/retry", retry),
    Route("POST", "/webhook-dead-letters/retry", retry_all),
)
