"""Network: Wireless LAN (access point), its DHCP server and the Ethernet port, in one form.

Saving stores the settings (all or nothing, errors next to their fields), renders the system
files and has the privileged helper apply them with the safety net: the owner must press
**Confirm** (from the new address, if it changed) within ``network.confirm_seconds``, or the
helper puts the previous files back by itself and the safety net's bookkeeping
restores the stored settings too, whether or not anybody looks: the network settings service
(``context.network_settings``) holds these rules.
Off a device (no helper) the settings are stored and the page says they were not applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import reduce
from typing import Any

import bottle

from otpbroker.i18n.translate import N_, _
from otpbroker.services.network_apply import Applied, ChangeWaiting, NotApplied, Outcome
from otpbroker.services.network_settings import new_addresses, targets_for
from otpbroker.services.settings import SettingsRefused
from otpbroker.web.admin import forms
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.safety_net import NOT_WIRED
from otpbroker.web.admin.services import AdminServices

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Wireless LAN (access point)"), ("wlan.ssid", "wlan.passphrase", "wlan.channel",
                                     "wlan.country", "wlan.hidden", "wlan.address",
                                     "wlan.interface")),
    (N_("DHCP server (for access point clients)"), ("dhcp.enabled", "dhcp.range_start",
                                                "dhcp.range_end", "dhcp.lease_time",
                                                "dhcp.gateway", "dhcp.dns")),
    (N_("Ethernet"), ("ethernet.mode", "ethernet.address", "ethernet.gateway", "ethernet.dns",
                  "ethernet.interface")),
    (N_("Safety net"), ("network.confirm_seconds",)),
)  # fmt: skip
LABELS = {
    "wlan.ssid": N_("Network name (SSID)"),
    "wlan.passphrase": N_("Wi-Fi password"),
    "wlan.channel": N_("Channel"),
    "wlan.country": N_("Country"),
    "wlan.hidden": N_("Hide the network name"),
    "wlan.address": N_("Access point address"),
    "wlan.interface": N_("Wi-Fi interface"),
    "dhcp.enabled": N_("Hand out addresses (DHCP)"),
    "dhcp.range_start": N_("First address"),
    "dhcp.range_end": N_("Last address"),
    "dhcp.lease_time": N_("Lease time"),
    "dhcp.gateway": N_("Gateway for clients"),
    "dhcp.dns": N_("DNS servers for clients"),
    "ethernet.mode": N_("Address from"),
    "ethernet.address": N_("Static address"),
    "ethernet.gateway": N_("Gateway"),
    "ethernet.dns": N_("DNS servers"),
    "ethernet.interface": N_("Wired interface"),
    "network.confirm_seconds": N_("Confirm within (seconds)"),
}
SECRETS = ("wlan.passphrase",)
LIST_SPLIT = re.compile(r"[\s,]+")
BACK = ("/network", "/firewall")
KEYS = [key for _title, group in SECTIONS for key in group]
WAITING = N_(
    "Nothing was saved: a change is waiting for confirmation. Confirm it, or let it revert, first."
)
NO_HELPER = N_(
    "Not applied: this machine has no privileged helper (it is not an OTP Broker device); "
    "settings take effect on a device."
)


def _label(key: str) -> str:
    """The field's label in the page's language."""
    return _(LABELS[key]) if key in LABELS else forms.label(key, LABELS)


def _field(key: str, doc: Mapping[str, Any], current: Mapping[str, Any],
           sent: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One field: what was sent, else the stored value; lists as text, secrets never."""
    value = sent.get(key, current.get(key))
    kind = "list" if isinstance(current.get(key), list) else forms.kind_of(doc, value)
    hint = forms.hint(doc)
    if key in SECRETS:
        if current.get(key):
            hint = _("Never shown; one is set. Leave blank to keep it.")
        else:
            hint = _("Never shown; the factory password is used. Leave blank to keep it.")
        value = ""
    if kind == "list":
        value = ", ".join(value) if isinstance(value, list) else str(value)
        hint = hint.replace("Default: [].", _("Default: empty."))
        hint += " " + _("Separate several with commas.")
    shown_kind = "str" if kind == "list" else kind
    return forms.field_view(key, _label(key), shown_kind, hint, value, doc)


def _groups(context: AdminServices, current: Mapping[str, Any],
            sent: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:  # fmt: skip
    docs = context.settings.docs()
    return [
        (_(title), [_field(key, docs.get(key, {}), current, sent) for key in group])
        for title, group in SECTIONS
    ]


def _page(context: AdminServices, sent: Mapping[str, Any] | None = None,
          errors: dict[str, str] | None = None) -> str:  # fmt: skip
    banner = context.network_settings.safety_net()  # first: it may undo a reverted change
    current = context.settings.current()
    return render("network", _("Network"), groups=_groups(context, current, sent or {}),
                  settings=current, errors=errors or {}, scripts=["/static/network.js"],
                  **banner)  # fmt: skip


def _parse(doc: Mapping[str, Any], current: Any, texts: list[str]) -> tuple[Any, Any]:
    """``(shown again, value)`` of one sent field; ValueError with the reason."""
    if isinstance(current, list):
        return texts[-1], [part for part in LIST_SPLIT.split(texts[-1].strip()) if part]
    kind = forms.kind_of(doc, current)
    value = forms.parse_value(kind, doc, texts)
    return (texts[-1] if kind != "bool" else value), value


def _read(context: AdminServices, current: Mapping[str, Any]
          ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:  # fmt: skip
    """``(changes, sent, errors)`` from the POSTed form; a blank password keeps the stored."""
    form = bottle.request.forms
    docs = context.settings.docs()
    changes: dict[str, Any] = {}
    sent: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in KEYS:
        try:
            texts = forms.texts(form, key)
        except UnicodeError:
            errors[key] = forms.NOT_UTF8
            continue
        if not texts:
            continue
        sent[key] = texts[-1]
        try:
            sent[key], value = _parse(docs.get(key, {}), current.get(key), texts)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if key in SECRETS:
            sent.pop(key)
            if value == "":
                continue  # blank keeps the stored password
        if value != current.get(key) or type(value) is not type(current.get(key)):
            changes[key] = value
    return changes, sent, errors


def _refuse(context: AdminServices, sent: Mapping[str, Any], errors: dict[str, str]) -> str:
    bottle.response.status = 400
    forms.summarise(errors, _label)
    return _page(context, sent, errors)


def _either(choices: list[str]) -> str:
    """``a or b or c`` in the page's language."""
    return reduce(lambda first, second: _("{first} or {second}").format(first=first,
                  second=second), choices)  # fmt: skip


def _applied(settings: Mapping[str, Any], names: str, targets: list[str]) -> str:
    """The flash after applying: confirm in time (from the new address, if it changed)."""
    port = str(bottle.request.environ.get("SERVER_PORT") or settings["api.http_port"])
    where = new_addresses(settings, targets, port)
    seconds = settings["network.confirm_seconds"]
    if where:
        return _(
            "Applied: {names}. Press Confirm from {addresses} within {seconds} seconds, "
            "or it is undone."
        ).format(names=names, addresses=_either(where), seconds=seconds)
    return _("Applied: {names}. Press Confirm within {seconds} seconds, or it is undone.").format(
        names=names, seconds=seconds
    )


def _flash(outcome: Outcome, targets: list[str], settings: Mapping[str, Any]) -> None:
    """Say how the stored change went on."""
    names = outcome.summary
    if outcome.applied is Applied.STORED:
        flash(_("Saved: {names}.").format(names=names))
    elif outcome.applied is Applied.NOT_WIRED:
        flash(_("Saved: {names}.").format(names=names) + " " + _(NOT_WIRED))
    elif outcome.applied is Applied.NO_HELPER:
        flash(_("Saved: {names}.").format(names=names) + " " + _(NO_HELPER))
    else:
        flash(_applied(settings, names, targets))


def show(context: AdminServices) -> str:
    """The network form, with the safety net's banner."""
    return _page(context)


def save(context: AdminServices) -> str:
    """Store the changed settings and apply them with the safety net (400: nothing saved)."""
    current = context.settings.current()
    changes, sent, errors = _read(context, current)
    if errors:
        return _refuse(context, sent, errors)
    if not changes:
        flash(_("Nothing changed."))
        raise see_other("/network")
    names = ", ".join(_label(key) for key in changes)
    try:
        outcome = context.network_settings.save(changes, names)
    except ChangeWaiting:
        return _refuse(context, sent, {"_form": _(WAITING)})
    except SettingsRefused as exc:
        forms.store_refusal(exc, KEYS, errors)
        return _refuse(context, sent, errors)
    except NotApplied as exc:
        return _refuse(context, sent, {"_form": str(exc)})
    _flash(outcome, targets_for(list(changes)), context.settings.current())
    raise see_other("/network")


def confirm(context: AdminServices) -> str:
    """Keep the change waiting for confirmation; back to Network or Firewall."""
    back = bottle.request.forms.getunicode("back") or "/network"
    back = back if back in BACK else "/network"
    token = bottle.request.forms.getunicode("token") or ""
    try:
        context.network_settings.confirm(token)
    except NotApplied as exc:
        flash(str(exc), "error")
        raise see_other(back) from None
    flash(_("Confirmed: the new settings stay."))
    raise see_other(back)


ROUTES = (
    Route("GET", "/network", show),
    Route("POST", "/network", save),
    Route("POST", "/network/confirm", confirm),
)
