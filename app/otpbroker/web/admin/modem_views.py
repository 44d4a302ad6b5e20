"""How the admin pages show modems: a running modem's live state, and the plugged-in
(detected) modems section (names by id come from the modem records service).

Shared by the modems, plugged-in modems and manual SMS / USSD pages; every value returned
is plain data for a template, never an object of the modem layer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from otpbroker.domain.usb_modems import UsbPort
from otpbroker.i18n.translate import N_, _
from otpbroker.services.modem_discovery import DetectedEntry, DiscoveryReport
from otpbroker.web.admin.modem_reasons import sim_advice, sms_path_reason
from otpbroker.web.admin.services import AdminServices

AT_SOURCES = {
    "table": N_("AT port known from the model table"),
    "class": N_("AT port known from its interface class"),
    "single": N_("its only serial port"),
    "probe": N_("found by asking its ports"),
}
AT_PORT = N_("AT port")
KIND_STATUS = {
    "cdrom": N_("in CD-ROM mode"),
    "hilink": N_("HiLink: network only, no AT port"),
}


def _routing_text(route: Any) -> str:
    """Why routing skips the modem, in the reader's language where the device said it."""
    shown = getattr(route, "shown_reason", None)
    return str(shown() if callable(shown) else getattr(route, "reason_text", "") or "")


def live_view(status: Any, route: Any = None, held: bool = False) -> dict[str, Any]:
    """What the modem list shows of a running modem: state, SMS path, routing, SIM advice."""
    identity, network = status.identity, status.network
    model = " ".join(part for part in (identity.manufacturer, identity.model) if part)
    verdict = getattr(status, "sms_path", None)
    return {
        "state": status.state,
        "ready": status.connected,
        "imei": identity.imei or "",
        "model": model,
        "operator": network.operator or "",
        "signal": network.signal_percent,
        "error": status.last_error or "",
        "port": status.port,
        "sms_path": verdict.path.value if verdict is not None else "",
        "sms_path_ok": verdict.available if verdict is not None else None,
        "sms_path_reason": sms_path_reason(verdict) if verdict is not None else "",
        "routing": getattr(route, "reason", None) if route is not None else None,
        "routing_text": _routing_text(route),
        "advice": sim_advice(status.state, getattr(status, "pin_tries", None)),
        "recovery": getattr(status, "recovery", None) or "",
        "put_back": held or status.state == "dead",
    }


def live_by_id(context: AdminServices) -> dict[str, dict[str, Any]]:
    """``live_view`` of every running modem by its id, with its route and hold."""
    routes = {r.id: r for r in context.sms.routes()}
    holds = context.modem_health.holds()
    return {
        status.modem_id: live_view(status, routes.get(status.modem_id), status.modem_id in holds)
        for status in context.modems.statuses()
    }


def detected_status(entry: DetectedEntry) -> str:
    """One short line: did it answer, how the AT port was found, or why there is none."""
    modem = entry.modem
    if modem.kind in KIND_STATUS:
        return _(KIND_STATUS[modem.kind])
    if modem.answered is True:
        return _("AT answered")
    if modem.answered is False:
        return _("no answer to AT")
    if entry.configured:
        return _("in use by {names} (not asked)").format(names=", ".join(entry.configured_as))
    if modem.at_port:
        source = _(AT_SOURCES.get(modem.at_source, AT_PORT))
        return _("not asked yet ({source})").format(source=source)
    return _("not asked yet")


def entry_view(entry: DetectedEntry) -> dict[str, Any]:
    """What the template shows of one detected device (plain values only)."""
    modem = entry.modem
    identity = modem.identity
    return {
        "usb_path": modem.usb_path,
        "vid_pid": modem.vid_pid,
        "kind": modem.kind,
        "family": modem.family,
        "status": detected_status(entry),
        "summary": f"{modem.family}, {detected_status(entry)}",
        "usb_name": " ".join(s for s in (modem.manufacturer, modem.product) if s),
        "identity": identity.name if identity is not None else "",
        "imei": identity.imei if identity is not None else "",
        "at_port": modem.at_port,
        "note": modem.note,
        "web_ui": modem.web_ui,
        "configured_as": ", ".join(entry.configured_as),
        "add_url": "/modems/new?" + urlencode(entry.suggestion()) if entry.can_add else "",
        "can_switch": modem.kind == "cdrom",
        "ports": [port_view(port) for port in modem.ports],
    }


def port_view(port: UsbPort) -> dict[str, Any]:
    """One USB interface of a detected device."""
    return {"interface": port.interface, "role": port.role, "driver": port.driver,
            "path": port.path, "netdev": port.netdev}  # fmt: skip


def report_view(report: DiscoveryReport) -> dict[str, Any]:
    """The detected devices, not-configured ones first, and what could not be read."""
    ordered = sorted(report.entries, key=lambda e: (e.configured, e.modem.usb_path))
    return {
        "entries": [entry_view(entry) for entry in ordered],
        "problems": list(report.problems),
        "probed": report.probed,
    }


def detected_section(context: AdminServices, probe: bool = False) -> dict[str, Any]:
    """The detected-modems section for a page."""
    return report_view(context.modem_discovery.report(probe=probe))
