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

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.pages.api_settings import _hint, _kind, _label, _parse, _texts
from otpbroker.web.admin.render import flash, render, see_other

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


def pending_view(context: AdminContext) -> dict[str, Any]:
    """What the safety-net banner needs (shared with the Firewall page)."""
    net = context.network_changes
    pending = net.pending() if net is not None else {}
    network = context.network
    return {
        "pending": pending,
        "notices": net.take_notices() if net is not None else [],
        "applies": network is not None and network.available,
        "wired": network is not None,
    }


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/network`` and ``/network/confirm``."""
    keys = [key for _title, group in SECTIONS for key in group]

    def fields(current: Mapping[str, Any], sent: Mapping[str, Any]) -> list[tuple[str, list]]:
        docs = context.setting_docs()
        groups = []
        for title, group in SECTIONS:
            shown = []
            for key in group:
                doc = docs.get(key, {})
                value = sent.get(key, current.get(key))
                kind = "list" if isinstance(current.get(key), list) else _kind(doc, value)
                hint = _hint(doc)
                if key in SECRETS:
                    state = "one is set" if current.get(key) else "the factory password is used"
                    hint = f"Never shown; {state}. Leave blank to keep it."
                    value = ""
                if kind == "list":
                    value = ", ".join(value) if isinstance(value, list) else str(value)
                    hint = hint.replace("Default: [].", "Default: empty.")
                    hint += " Separate several with commas."
                shown.append({
                    "key": key, "label": LABELS.get(key) or _label(key, LABELS),
                    "kind": "str" if kind == "list" else kind, "hint": hint,
                    "value": bool(value) if kind == "bool" else str(value),
                    "choices": [str(c) for c in doc.get("choices") or ()],
                    "minimum": doc.get("minimum"), "maximum": doc.get("maximum"),
                })  # fmt: skip
            groups.append((title, shown))
        return groups

    def page(sent: Mapping[str, Any] | None = None, errors: dict[str, str] | None = None) -> str:
        banner = pending_view(context)  # first: it may undo a reverted change
        current = context.repo.settings()
        return render("network", "Network", groups=fields(current, sent or {}),
                      settings=current, errors=errors or {}, scripts=["/static/network.js"],
                      **banner)  # fmt: skip

    def read(current: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        form = bottle.request.forms
        docs = context.setting_docs()
        changes: dict[str, Any] = {}
        sent: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in keys:
            try:
                texts = _texts(form, key)
            except UnicodeError:
                errors[key] = "is not valid UTF-8 text"
                continue
            if not texts:
                continue
            doc = docs.get(key, {})
            if isinstance(current.get(key), list):
                sent[key] = texts[-1]
                value: Any = [part for part in LIST_SPLIT.split(texts[-1].strip()) if part]
            else:
                kind = _kind(doc, current.get(key))
                sent[key] = texts[-1] if kind != "bool" else _parse(kind, doc, texts)
                try:
                    value = _parse(kind, doc, texts)
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

    def refuse(sent: Mapping[str, Any], errors: dict[str, str]) -> str:
        bottle.response.status = 400
        refused = ", ".join(LABELS.get(key, key) for key in errors if key != "_form")
        if refused:
            errors.setdefault("_form", f"Nothing was saved. Please correct: {refused}.")
        return page(sent, errors)

    @app.get("/network")
    def show() -> str:
        return page()

    @app.post("/network")
    def save() -> str:
        current = context.repo.settings()
        changes, sent, errors = read(current)
        if errors:
            return refuse(sent, errors)
        if not changes:
            flash("Nothing changed.")
            raise see_other("/network")
        network = context.network
        net = context.network_changes
        waiting = net.pending() if net is not None else {}
        if waiting.get("token"):
            errors["_form"] = ("Nothing was saved: a change is waiting for confirmation. "
                               "Confirm it, or let it revert, first.")  # fmt: skip
            return refuse(sent, errors)
        old = {key: current[key] for key in changes}
        try:
            context.repo.update_settings(changes)
        except ValueError as exc:
            key = str(getattr(exc, "key", "") or "")
            rule = str(getattr(exc, "rule", "") or exc)
            errors[key if key in keys else "_form"] = rule if key in keys else str(exc)
            return refuse(sent, errors)
        names = ", ".join(LABELS.get(key, key) for key in changes)
        targets = targets_for(list(changes))
        if not targets:  # e.g. only the confirmation time: nothing to apply
            flash(f"Saved: {names}.")
            raise see_other("/network")
        if network is None or net is None:
            flash(f"Saved: {names}. Not applied: network control is not wired in this process.")
            raise see_other("/network")
        settings = context.repo.settings()
        ports = context.repo.list("firewall_ports")
        try:
            network.preview(settings, ports)
        except ValueError as exc:
            context.repo.update_settings(old)
            errors["_form"] = f"Nothing was saved: {exc}"
            return refuse(sent, errors)
        if not network.available:
            flash(f"Saved: {names}. Not applied: this machine has no privileged helper (it is "
                  "not an OTP Broker device); settings take effect on a device.")  # fmt: skip
            raise see_other("/network")
        try:
            net.apply(names, lambda: network.apply(settings, ports, True, targets), settings=old)
        except Exception as exc:  # the helper's precise message
            context.repo.update_settings(old)
            errors["_form"] = f"Not applied, nothing was saved: {exc}"
            return refuse(sent, errors)
        port = str(bottle.request.environ.get("SERVER_PORT") or settings["api.http_port"])
        where = new_addresses(settings, targets, port)
        there = f" from {' or '.join(where)}" if where else ""
        flash(f"Applied: {names}. Press Confirm{there} within "
              f"{settings['network.confirm_seconds']} seconds, or it is undone.")  # fmt: skip
        raise see_other("/network")

    @app.post("/network/confirm")
    def confirm() -> str:
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
