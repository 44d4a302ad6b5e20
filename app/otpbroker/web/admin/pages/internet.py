"""Internet: the device's mobile internet through a modem (ppp) - state, connect, disconnect.

One card per modem with internet access: the link state (up/down, IPv4 address, bytes, pppd
uptime, since when, the last problem pppd logged in words, the redials and the next one's
wait, ``services.link_redial``), an APN preset picker that saves the operator's settings
into the modem, Connect and Disconnect. Every other internet field is edited in the modem's
settings.

A modem without a separate data port uses one serial line for SMS and data, so it cannot
send SMS while online. The page says so and offers "Pause SMS" (deactivates the modem, the
pool releases its port) before Connect is allowed, and "Resume SMS" afterwards.

Above the cards, the uplink: the mode (``internet.mode``), whether Ethernet and mobile
internet hold a default route, and the last switch the standby watcher made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import bottle

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import N_, _, ngettext
from otpbroker.system.render_ppp import APN_PRESETS, preset
from otpbroker.web.admin.moments import from_epoch, from_iso
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

ACTIONS = "connect|disconnect|pause-sms|resume-sms|preset"
SWITCH = re.compile(r"to (mobile|ethernet) at (\S+)")
STANDBY_LABELS = {
    "internet.mode": N_("Mobile internet"),
    "internet.check_interval_seconds": N_("Check Ethernet every (seconds)"),
    "internet.failover_after_seconds": N_("Bring mobile up after Ethernet is down for (seconds)"),
    "internet.failback_after_seconds": N_("Bring mobile down after Ethernet is back for (seconds)"),
}


def _standby_sections(current: Mapping[str, Any]) -> Sections:
    return [(N_("Mobile internet as standby"), [k for k in current if k.startswith("internet.")])]


STANDBY_FORM = SettingsForm(
    "/internet/standby",
    N_("Internet standby"),
    "internet_standby",
    _standby_sections,
    STANDBY_LABELS,
)


def human_bytes(count: int | None) -> str:
    """``1536`` -> ``"1.5 KiB"``; ``None`` -> ``"-"``."""
    if count is None:
        return "-"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            shown = format_number(round(size, 0 if unit == "B" else 1))
            return f"{shown} {unit}"
        size /= 1024
    return f"{format_number(round(size, 1))} GiB"  # pragma: no cover - the loop always returns


def human_duration(seconds: int | None) -> str:
    """``3725`` -> ``"1 h 2 min"``; ``None`` -> ``"-"``."""
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    if minutes:
        return _("{minutes} min {seconds} s").format(minutes=minutes, seconds=secs)
    return _("{seconds} s").format(seconds=secs)


def uplink_switch(text: str) -> str:
    """The uplink's last switch (``to mobile at <ISO time>``) in the page's language."""
    found = SWITCH.fullmatch(text)
    if not found:
        return text or _("none since start")
    moment = from_iso(found.group(2))
    if found.group(1) == "mobile":
        return _("to mobile internet at {time}").format(time=moment)
    return _("to Ethernet at {time}").format(time=moment)


def redial_text(status: Mapping[str, Any]) -> str:
    """The redial facts of a link's status (``LinkRedial``), in words."""
    if not status.get("wanted"):
        return _("not kept up (Connect keeps the link up and redials it)")
    count = int(status.get("redials") or 0)
    left = status.get("next_redial_seconds")
    if isinstance(left, int | float):
        return ngettext(
            "kept up; redialled {count} time since Connect; next redial in {wait}",
            "kept up; redialled {count} times since Connect; next redial in {wait}",
            count,
        ).format(count=count, wait=human_duration(int(left)))
    return ngettext(
        "kept up; redialled {count} time since Connect",
        "kept up; redialled {count} times since Connect",
        count,
    ).format(count=count)


def _matching_preset(record: dict[str, Any]) -> str:
    """The first preset whose APN, user and dial number the modem has ("" for none)."""
    for candidate in APN_PRESETS:
        wanted = (candidate.apn, candidate.username, candidate.dial_number)
        if wanted == (record.get("apn"), record.get("apn_username"), record.get("dial_number")):
            return candidate.operator
    return ""


def _shares(record: dict[str, Any]) -> bool:
    data_port = record.get("data_port") or ""
    return not data_port or data_port == record.get("port")


def _status(context: AdminServices, record: dict[str, Any]) -> dict[str, Any]:
    try:
        return context.internet.status(record)
    except Exception as exc:  # an unreadable /sys must not break the page
        return {"up": False, "error": str(exc)}


def show(context: AdminServices) -> str:
    """One card per modem with internet access."""
    cards = [
        {
            "record": record,
            "status": _status(context, record),
            "shares": _shares(record),
            "preset": _matching_preset(record),
        }
        for record in context.internet_modems.with_internet()
    ]
    return render(
        "internet",
        _("Internet"),
        cards=cards,
        presets=APN_PRESETS,
        available=context.internet.available,
        others=len(context.internet_modems.modems()) - len(cards),
        uplink=context.uplink.state(),
        human_bytes=human_bytes,
        human_duration=human_duration,
        moment=from_epoch,
        when=from_iso,
        uplink_switch=uplink_switch,
        redial_text=redial_text,
    )


def _save_preset(context: AdminServices, record: dict[str, Any]) -> str:
    """Store the chosen operator's APN settings in the modem."""
    chosen = preset(bottle.request.forms.getunicode("preset", default="") or "")
    context.internet_modems.use_apn(record["id"], {
        "apn": chosen.apn, "apn_username": chosen.username,
        "apn_password": chosen.password, "dial_number": chosen.dial_number,
    })  # fmt: skip
    if chosen.apn:
        return _("{operator} APN settings saved (APN {apn}).").format(
            operator=chosen.operator, apn=chosen.apn
        )
    return _("{operator} APN settings saved (no APN).").format(operator=chosen.operator)


def _run(context: AdminServices, record: dict[str, Any], action: str) -> str:
    """Do ``action``; what happened (raises with the reason it could not)."""
    if action == "preset":
        return _save_preset(context, record)
    if action == "pause-sms":
        context.internet_modems.pause_sms(record["id"])
        return _("SMS paused: the modem is inactive and its port is released for the data call.")
    if action == "resume-sms":
        context.internet_modems.resume_sms(record["id"])
        return _("SMS resumed: the modem is active again.")
    if action == "connect":
        state = context.internet.connect(record)
        address = ", ".join(state.get("ipv4") or []) or _("no address yet")
        return _("dialling started ({address}).").format(address=address)
    context.internet.disconnect(record)
    return _("disconnected.")


def act(context: AdminServices, modem_id: str, action: str) -> Any:
    """Run one action on a modem, flash the outcome, back to the page."""
    try:
        record = context.internet_modems.modem(modem_id)
    except LookupError:
        raise bottle.HTTPError(404, _("No such modem.")) from None
    name = record.get("name", modem_id)
    try:
        message = _run(context, record, action)
    except Exception as exc:  # the helper's or the store's message, shown as it is
        flash(_("{name}: {message}").format(name=name, message=exc), "error")
    else:
        flash(_("{name}: {message}").format(name=name, message=message))
    return see_other("/internet")


def show_standby(context: AdminServices) -> str:
    """The standby settings (``internet.*``)."""
    return show_form(context, STANDBY_FORM)


def save_standby(context: AdminServices) -> str:
    """Save the standby settings, all or nothing."""
    return save_form(context, STANDBY_FORM)


ROUTES = (
    Route("GET", "/internet", show),
    Route("GET", "/internet/standby", show_standby),
    Route("POST", "/internet/standby", save_standby),
    Route("POST", f"/internet/<modem_id>/<action:re:{ACTIONS}>", act),
)
