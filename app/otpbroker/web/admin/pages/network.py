"""Network: Wireless LAN (access point), its DHCP server and the Ethernet port, in one form.

Saving stores the settings (all or nothing, errors next to their fields), renders the system
files and has the privileged helper apply them with the safety net: the owner must press
**Confirm** (from the new address, if it changed) within ``network.confirm_seconds``, or the
helper puts the previous files back by itself and the safety net's bookkeeping
(``context.network_changes``) restores the stored settings too, whether or not anybody looks.
Off a device (no helper) the settings are stored and the page says they were not applied.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import bottle

from otpbroker.web.admin import forms
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.safety_net import NOT_WIRED, change_waiting, pending_view

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Wireless LAN (access point)", ("wlan.ssid", "wlan.passphrase", "wlan.channel",
                                     "wlan.country", "wlan.hidden", "wlan.address",
                                     "wlan.interface")),
    ("DHCP server (for access point clients)", ("dhcp.enabled", "dhcp.range_start",
                                                "dhcp.range_end", "dhcp.lease_time",
                                                "dhcp.gateway", "dhcp.dns")),
    ("Ethernet", ("ethernet.mode", "ethernet.address", "ethernet.gateway", "ethernet.dns",
                  "ethernet.interface")),
    ("Safety net", ("network.confirm_seconds",)),
)  # fmt: skip
LABELS = {
    "wlan.ssid": "Network name (SSID)",
    "wlan.passphrase": "Wi-Fi password",
    "wlan.channel": "Channel",
    "wlan.country": "Country",
    "wlan.hidden": "Hide the network name",
    "wlan.address": "Access point address",
    "wlan.interface": "Wi-Fi interface",
    "dhcp.enabled": "Hand out addresses (DHCP)",
    "dhcp.range_start": "First address",
    "dhcp.range_end": "Last address",
    "dhcp.lease_time": "Lease time",
    "dhcp.gateway": "Gateway for clients",
    "dhcp.dns": "DNS servers for clients",
    "ethernet.mode": "Address from",
    "ethernet.address": "Static address",
    "ethernet.gateway": "Gateway",
    "ethernet.dns": "DNS servers",
    "ethernet.interface": "Wired interface",
    "network.confirm_seconds": "Confirm within (seconds)",
}
SECRETS = ("wlan.passphrase",)
TARGETS_OF = {  # which system files a setting ends up in
    "wlan.interface": ("hostapd", "dnsmasq", "networkd-wlan", "nftables"),
    "wlan.address": ("dnsmasq", "networkd-wlan"),
    "dhcp": ("dnsmasq",),
    "wlan": ("hostapd",),
    "ethernet": ("networkd-eth",),
    "network": (),
}
ORDER = ("hostapd", "dnsmasq", "networkd-wlan", "networkd-eth", "nftables")
LIST_SPLIT = re.compile(r"[\s,]+")
BACK = ("/network", "/firewall")
KEYS = [key for _title, group in SECTIONS for key in group]
WAITING = (
    "Nothing was saved: a change is waiting for confirmation. Confirm it, or let it revert, first."
)
NO_HELPER = (
    "Not applied: this machine has no privileged helper (it is not an OTP Broker device); "
    "settings take effect on a device."
)


def targets_for(keys: list[str]) -> list[str]:
    """The system files to apply when ``keys`` changed, in a fixed order."""
    wanted: set[str] = set()
    for key in keys:
        wanted.update(TARGETS_OF.get(key) or TARGETS_OF.get(key.split(".", 1)[0], ()))
    return [target for target in ORDER if target in wanted]


def new_addresses(settings: Mapping[str, Any], targets: list[str], port: str) -> list[str]:
    """Where the admin will be reachable after the change (to confirm from there)."""
    urls = []
    if "networkd-wlan" in targets:
        ip = ipaddress.IPv4Interface(str(settings["wlan.address"])).ip
        urls.append(f"http://{ip}:{port}/network")
    static = settings["ethernet.mode"] == "static" and settings["ethernet.address"]
    if "networkd-eth" in targets and static:
        ip = ipaddress.IPv4Interface(str(settings["ethernet.address"])).ip
        urls.append(f"http://{ip}:{port}/network")
    return urls


def _field(key: str, doc: Mapping[str, Any], current: Mapping[str, Any],
           sent: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One field: what was sent, else the stored value; lists as text, secrets never."""
    value = sent.get(key, current.get(key))
    kind = "list" if isinstance(current.get(key), list) else forms.kind_of(doc, value)
    hint = forms.hint(doc)
    if key in SECRETS:
        state = "one is set" if current.get(key) else "the factory password is used"
        hint = f"Never shown; {state}. Leave blank to keep it."
        value = ""
    if kind == "list":
        value = ", ".join(value) if isinstance(value, list) else str(value)
        hint = hint.replace("Default: [].", "Default: empty.")
        hint += " Separate several with commas."
    shown_kind = "str" if kind == "list" else kind
    return forms.field_view(key, forms.label(key, LABELS), shown_kind, hint, value, doc)


def _groups(context: AdminContext, current: Mapping[str, Any],
            sent: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:  # fmt: skip
    docs = context.setting_docs()
    return [
        (title, [_field(key, docs.get(key, {}), current, sent) for key in group])
        for title, group in SECTIONS
    ]


def _page(context: AdminContext, sent: Mapping[str, Any] | None = None,
          errors: dict[str, str] | None = None) -> str:  # fmt: skip
    banner = pending_view(context)  # first: it may undo a reverted change
    current = context.repo.settings()
    return render("network", "Network", groups=_groups(context, current, sent or {}),
                  settings=current, errors=errors or {}, scripts=["/static/network.js"],
                  **banner)  # fmt: skip


def _parse(doc: Mapping[str, Any], current: Any, texts: list[str]) -> tuple[Any, Any]:
    """``(shown again, value)`` of one sent field; ValueError with the reason."""
    if isinstance(current, list):
        return texts[-1], [part for part in LIST_SPLIT.split(texts[-1].strip()) if part]
    kind = forms.kind_of(doc, current)
    value = forms.parse_value(kind, doc, texts)
    return (texts[-1] if kind != "bool" else value), value


def _read(context: AdminContext, current: Mapping[str, Any]
          ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:  # fmt: skip
    """``(changes, sent, errors)`` from the POSTed form; a blank password keeps the stored."""
    form = bottle.request.forms
    docs = context.setting_docs()
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


def _refuse(context: AdminContext, sent: Mapping[str, Any], errors: dict[str, str]) -> str:
    bottle.response.status = 400
    forms.summarise(errors, lambda key: LABELS.get(key, key))
    return _page(context, sent, errors)


def _applied(settings: Mapping[str, Any], names: str, targets: list[str]) -> str:
    """The flash after applying: confirm in time (from the new address, if it changed)."""
    port = str(bottle.request.environ.get("SERVER_PORT") or settings["api.http_port"])
    where = new_addresses(settings, targets, port)
    there = f" from {' or '.join(where)}" if where else ""
    return (f"Applied: {names}. Press Confirm{there} within "
            f"{settings['network.confirm_seconds']} seconds, or it is undone.")  # fmt: skip


def _apply(context: AdminContext, names: str, targets: list[str],
           old: dict[str, Any]) -> str | None:  # fmt: skip
    """Apply the stored settings with the safety net and flash how it went; on a refusal
    put ``old`` back and return the reason."""
    network, net = context.network, context.network_changes
    if network is None or net is None:
        flash(f"Saved: {names}. {NOT_WIRED}")
        return None
    settings = context.repo.settings()
    ports = context.repo.list("firewall_ports")
    try:
        network.preview(settings, ports)
    except ValueError as exc:
        context.repo.update_settings(old)
        return f"Nothing was saved: {exc}"
    if not network.available:
        flash(f"Saved: {names}. {NO_HELPER}")
        return None
    try:
        net.apply(names, lambda: network.apply(settings, ports, True, targets), settings=old)
    except Exception as exc:  # the helper's precise message
        context.repo.update_settings(old)
        return f"Not applied, nothing was saved: {exc}"
    flash(_applied(settings, names, targets))
    return None


def show(context: AdminContext) -> str:
    """The network form, with the safety net's banner."""
    return _page(context)


def save(context: AdminContext) -> str:
    """Store the changed settings and apply them with the safety net (400: nothing saved)."""
    current = context.repo.settings()
    changes, sent, errors = _read(context, current)
    if errors:
        return _refuse(context, sent, errors)
    if not changes:
        flash("Nothing changed.")
        raise see_other("/network")
    if change_waiting(context):
        return _refuse(context, sent, {"_form": WAITING})
    old = {key: current[key] for key in changes}
    try:
        context.repo.update_settings(changes)
    except ValueError as exc:
        forms.store_refusal(exc, KEYS, errors)
        return _refuse(context, sent, errors)
    names = ", ".join(LABELS.get(key, key) for key in changes)
    targets = targets_for(list(changes))
    if not targets:  # e.g. only the confirmation time: nothing to apply
        flash(f"Saved: {names}.")
        raise see_other("/network")
    problem = _apply(context, names, targets, old)
    if problem:
        return _refuse(context, sent, {"_form": problem})
    raise see_other("/network")


def confirm(context: AdminContext) -> str:
    """Keep the change waiting for confirmation; back to Network or Firewall."""
    back = bottle.request.forms.getunicode("back") or "/network"
    back = back if back in BACK else "/network"
    token = bottle.request.forms.getunicode("token") or ""
    network = context.network
    net = context.network_changes
    if network is None or not network.available or net is None:
        flash("Nothing to confirm: no privileged helper on this machine.", "error")
        raise see_other(back)
    try:
        net.confirm(token)
    except Exception as exc:
        flash(f"Not confirmed: {exc}", "error")
        raise see_other(back) from None
    flash("Confirmed: the new settings stay.")
    raise see_other(back)


ROUTES = (
    Route("GET", "/network", show),
    Route("POST", "/network", save),
    Route("POST", "/network/confirm", confirm),
)
