"""Modems plugged in: detected by USB id (and, on request, asked with AT), offered for adding.

``GET /modems/detected`` asks every port whose role is not known from the model table with
a short ``AT`` and every AT port for its identity (bounded by short time-outs; the ports of
configured modems are never opened). The modem list and the add form show the same section
without asking anything (sysfs only, instant). Each modem not configured yet gets an "Add
this modem" link that opens the form with its AT port (by-id link) and a name filled in; a
stick in CD-ROM mode gets a "Switch to modem mode" button (POST, CSRF-checked by the guard);
a HiLink stick gets the plain explanation of why it cannot send.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import bottle

from otpbroker.domain.usb_modems import UsbControlError, UsbPort
from otpbroker.services.modem_discovery import DetectedEntry, DiscoveryReport
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import flash, render, see_other

SOURCES = {
    "table": "AT port known from the model table",
    "class": "AT port known from its interface class",
    "single": "its only serial port",
    "probe": "found by asking its ports",
}
KIND_STATUS = {
    "cdrom": "in CD-ROM mode",
    "hilink": "HiLink: network only, no AT port",
}


def status(entry: DetectedEntry) -> str:
    """One short line: did it answer, how the AT port was found, or why there is none."""
    modem = entry.modem
    if modem.kind in KIND_STATUS:
        return KIND_STATUS[modem.kind]
    if modem.answered is True:
        return "AT answered"
    if modem.answered is False:
        return "no answer to AT"
    if entry.configured:
        return f"in use by {', '.join(entry.configured_as)} (not asked)"
    if modem.at_port:
        return f"not asked yet ({SOURCES.get(modem.at_source, 'AT port')})"
    return "not asked yet"


def entry_view(entry: DetectedEntry) -> dict[str, Any]:
    """What the template shows of one detected device (plain values only)."""
    modem = entry.modem
    identity = modem.identity
    summary = f"{modem.family}, {status(entry)}"
    return {
        "usb_path": modem.usb_path,
        "vid_pid": modem.vid_pid,
        "kind": modem.kind,
        "family": modem.family,
        "status": status(entry),
        "summary": summary,
        "usb_name": " ".join(s for s in (modem.manufacturer, modem.product) if s),
        "identity": identity.name if identity is not None else "",
        "imei": identity.imei if identity is not None else "",
        "at_port": modem.at_port,
        "note": modem.note,
        "web_ui": modem.web_ui,
        "configured_as": ", ".join(entry.configured_as),
        "add_url": "/modems/new?" + urlencode(entry.suggestion()) if entry.can_add else "",
        "can_switch": modem.kind == "cdrom",
        "ports": [_port_view(port) for port in modem.ports],
    }


def _port_view(port: UsbPort) -> dict[str, Any]:
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


def detected_section(context: AdminContext, probe: bool = False) -> dict[str, Any] | None:
    """The detected-modems section for a page (None when discovery is not wired)."""
    service = context.modem_discovery
    if service is None:
        return None
    return report_view(service.report(probe=probe))


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/modems/detected`` and the CD-ROM switch action."""

    @app.get("/modems/detected")
    def detected_page() -> str:
        section = detected_section(context, probe=True)
        return render("modem_detect", "Plugged-in modems", detected=section,
                      ports=context.serial_ports())  # fmt: skip

    @app.post("/modems/usb/<usb_path>/switch")
    def switch(usb_path: str) -> None:
        service = context.modem_discovery
        if service is None:
            raise bottle.HTTPError(404, "modem detection is not available")
        try:
            service.switch_mode(usb_path)
        except UsbControlError as exc:
            flash(f"Not switched: {exc}", "error")
        else:
            flash(f"USB device {usb_path} was told to switch to modem mode; it comes back with "
                  "its serial ports in a few seconds. Reload this page then.")  # fmt: skip
        raise see_other("/modems/detected")
