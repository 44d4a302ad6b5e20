"""Firewall: the ports that are always open, and the owner's extra ports (add, edit, delete,
open, close). Every change is applied to nftables through the privileged helper with the
safety net (confirm within ``network.confirm_seconds`` or it reverts); a change the helper
refuses is undone in the stored records as well, so records and firewall agree, and so is a
change it reverted. These rules live in the firewall rules service (``context.firewall``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.firewall_rules import FIELDS, PortRefused
from otpbroker.services.network_apply import Applied, ChangeWaiting, NotApplied, Outcome
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.safety_net import NOT_WIRED
from otpbroker.web.admin.services import AdminServices

FORM_FIELDS = ("port", "protocol", "interface", "comment")
#: Why the always-open ports are open (the network layer's reasons, written in English).
REASONS = (
    N_("REST API and this admin"),
    N_("DHCP for access point clients"),
    N_("DNS for access point clients"),
)
WAITING = N_(
    "Nothing was changed: a change is waiting for confirmation. Confirm it, or let it revert, "
    "first."
)
NO_HELPER = N_(
    "Not applied: this machine has no privileged helper (it is not an OTP Broker device), "
    "so the firewall only changes on a device."
)


def _read_form() -> tuple[dict[str, Any], dict[str, str]]:
    form = bottle.request.forms
    values: dict[str, Any] = {key: (form.getunicode(key, default="") or "").strip()
                              for key in FORM_FIELDS}  # fmt: skip
    values["active"] = form.getunicode("active") is not None
    errors: dict[str, str] = {}
    text = str(values["port"])
    if text.isdigit() and len(text) <= 5:
        values["port"] = int(text)
    else:
        errors["port"] = _("must be a whole number from 1 to 65535, got {value}").format(
            value=repr(text[:20])
        )
    return values, errors


def _page(
    context: AdminServices,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    editing: dict[str, Any] | None = None,
) -> str:
    banner = context.firewall.safety_net()  # first: it may undo a reverted change
    firewall = context.firewall
    fixed = [{**row, "comment": _reason(str(row.get("comment") or ""))}
             for row in firewall.always_open()]  # fmt: skip
    return render("firewall", _("Firewall"), records=firewall.ports(), fixed=fixed,
                  form=form or {"protocol": "tcp", "active": True},
                  editing=editing, errors=errors or {}, scripts=["/static/network.js"],
                  **banner)  # fmt: skip


def _reason(comment: str) -> str:
    """A reason of ``REASONS`` in the page's language (any other text as it is)."""
    return _(comment) if comment in REASONS else comment


def _record(context: AdminServices, record_id: str) -> dict[str, Any]:
    try:
        return context.firewall.port(record_id)
    except LookupError:
        raise bottle.HTTPError(404, _("No such firewall port.")) from None


def _refused(context: AdminServices, message: str, form: dict[str, Any] | None = None,
             editing: dict[str, Any] | None = None) -> str:  # fmt: skip
    bottle.response.status = 400
    return _page(context, {"_form": message}, form, editing)


def _flash(context: AdminServices, outcome: Outcome) -> None:
    """Say how the stored change went on (confirm in time when it was applied)."""
    what = outcome.summary
    if outcome.applied is Applied.NOT_WIRED:
        flash(_("Saved: {names}.").format(names=what) + " " + _(NOT_WIRED))
    elif outcome.applied is Applied.NO_HELPER:
        flash(_("Saved: {names}.").format(names=what) + " " + _(NO_HELPER))
    else:
        seconds = context.settings.get("network.confirm_seconds")
        flash(
            _("Applied: {names}. Press Confirm within {seconds} seconds, or it is undone.").format(
                names=what, seconds=seconds
            )
        )


def _run(context: AdminServices, change: Callable[[], Outcome], form: dict[str, Any] | None = None,
         editing: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Make one change through the service; the page again with the reason when refused."""
    try:
        outcome = change()
    except PortRefused as exc:
        bottle.response.status = 400
        return _page(context, exc.errors, form, editing)
    except ChangeWaiting:
        return _refused(context, _(WAITING), form, editing)
    except NotApplied as exc:
        return _refused(context, str(exc), form, editing)
    _flash(context, outcome)
    raise see_other("/firewall")


def list_ports(context: AdminServices) -> str:
    """The always-open ports, the owner's ports and the add form."""
    return _page(context)


def edit_form(context: AdminServices, record_id: str) -> str:
    """The list with one port's fields in the form."""
    found = _record(context, record_id)
    return _page(context, form={key: found.get(key) for key in FIELDS}, editing=found)


def add(context: AdminServices) -> str:
    """Add a port and apply the firewall (400: refused, nothing kept)."""
    values, errors = _read_form()
    if context.firewall.waiting():
        return _refused(context, _(WAITING), values)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values)
    return _run(context, lambda: context.firewall.add(values), values)


def update(context: AdminServices, record_id: str) -> str:
    """Save a port's fields and apply the firewall (400: refused, the old fields kept)."""
    before = _record(context, record_id)
    values, errors = _read_form()
    if context.firewall.waiting():
        return _refused(context, _(WAITING), values, before)
    if errors:
        bottle.response.status = 400
        return _page(context, errors, values, before)
    return _run(context, lambda: context.firewall.update(record_id, values), values, before)


def change(context: AdminServices, record_id: str, action: str) -> str:
    """Open, close or delete a port and apply the firewall."""
    _record(context, record_id)
    firewall = context.firewall
    if action == "delete":
        return _run(context, lambda: firewall.delete(record_id))
    return _run(context, lambda: firewall.set_open(record_id, action == "open"))


ROUTES = (
    Route("GET", "/firewall", list_ports),
    Route("GET", "/firewall/<record_id>/edit", edit_form),
    Route("POST", "/firewall", add),
    Route("POST", "/firewall/<record_id>", update),
    Route("POST", "/firewall/<record_id>/<action:re:open|close|delete>", change),
)
