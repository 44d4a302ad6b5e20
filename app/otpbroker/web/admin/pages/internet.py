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

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import bottle

from otpbroker.system.render_ppp import APN_PRESETS, preset
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.settings_form import Sections, SettingsForm, save_form, show_form

ACTIONS = "connect|disconnect|pause-sms|resume-sms|preset"
STANDBY_LABELS = {
    "internet.mode": "Mobile internet",
    "internet.check_interval_seconds": "Check Ethernet every (seconds)",
    "internet.failover_after_seconds": "Bring mobile up after Ethernet is down for (seconds)",
    "internet.failback_after_seconds": "Bring mobile down after Ethernet is back for (seconds)",
}


def _standby_sections(current: Mapping[str, Any]) -> Sections:
    return [("Mobile internet as standby", [k for k in current if k.startswith("internet.")])]


STANDBY_FORM = SettingsForm(
    "/internet/standby", "Internet standby", "internet_standby", _standby_sections, STANDBY_LABELS
)


def human_bytes(count: int | None) -> str:
    """``1536`` -> ``"1.5 KiB"``; ``None`` -> ``"-"``."""
    if count is None:
        return "-"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover - the loop always returns


def human_duration(seconds: int | None) -> str:
    """``3725`` -> ``"1 h 2 min"``; ``None`` -> ``"-"``."""
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def moment(epoch: float) -> str:
    """Epoch seconds as ``2026-01-01 10:00:00 UTC``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def redial_text(status: Mapping[str, Any]) -> str:
    """The redial facts of a link's status (``LinkRedial``), in words."""
    if not status.get("wanted"):
        return "not kept up (Connect keeps the link up and redials it)"
    count = int(status.get("redials") or 0)
    text = f"kept up; redialled {count} time{'' if count == 1 else 's'} since Connect"
    left = status.get("next_redial_seconds")
    if isinstance(left, int | float):
        text += f"; next redial in {human_duration(int(left))}"
    return text


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
        "Internet",
        cards=cards,
        presets=APN_PRESETS,
        available=context.internet.available,
        others=len(context.internet_modems.modems()) - len(cards),
        uplink=context.uplink.state(),
        human_bytes=human_bytes,
        human_duration=human_duration,
        moment=moment,
        redial_text=redial_text,
    )


def _save_preset(context: AdminServices, record: dict[str, Any]) -> str:
    """Store the chosen operator's APN settings in the modem."""
    chosen = preset(bottle.request.forms.getunicode("preset", default="") or "")
    context.internet_modems.use_apn(record["id"], {
        "apn": chosen.apn, "apn_username": chosen.username,
        "apn_password": chosen.password, "dial_number": chosen.dial_number,
    })  # fmt: skip
    return f"{chosen.operator} APN settings saved (APN {chosen.apn or 'none'})."


def _run(context: AdminServices, record: dict[str, Any], action: str) -> str:
    """Do ``action``; what happened (raises with the reason it could not)."""
    if action == "preset":
        return _save_preset(context, record)
    if action == "pause-sms":
        context.internet_modems.pause_sms(record["id"])
        return "SMS paused: the modem is inactive and its port is released for the data call."
    if action == "resume-sms":
        context.internet_modems.resume_sms(record["id"])
        return "SMS resumed: the modem is active again."
    if action == "connect":
        state = context.internet.connect(record)
        address = ", ".join(state.get("ipv4") or []) or "no address yet"
        return f"dialling started ({address})."
    context.internet.disconnect(record)
    return "disconnected."


def act(context: AdminServices, modem_id: str, action: str) -> Any:
    """Run one action on a modem, flash the outcome, back to the page."""
    try:
        record = context.internet_modems.modem(modem_id)
    except LookupError:
        raise bottle.HTTPError(404, "no such modem") from None
    name = record.get("name", modem_id)
    try:
        message = _run(context, record, action)
    except Exception as exc:  # the helper's or the store's message, shown as it is
        flash(f"{name}: {exc}", "error")
    else:
        flash(f"{name}: {message}")
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
