"""Modems plugged in: detected by USB id (and, on request, asked with AT), offered for adding.

``GET /modems/detected`` asks every port whose role is not known from the model table with
a short ``AT`` and every AT port for its identity (bounded by short time-outs; the ports of
configured modems are never opened). The modem list and the add form show the same section
without asking anything (sysfs only, instant). Each modem not configured yet gets an "Add
this modem" link that opens the form with its AT port (by-id link) and a name filled in; a
stick in CD-ROM mode gets a "Switch to modem mode" button (POST, CSRF-checked by the guard);
a HiLink stick gets the plain explanation of why it cannot send. The section's views are in
``web/admin/modem_views.py``.
"""

from __future__ import annotations

from otpbroker.domain.usb_modems import UsbControlError
from otpbroker.i18n.translate import _
from otpbroker.web.admin.modem_views import detected_section
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices


def detected_page(context: AdminServices) -> str:
    """The plugged-in modems, every unknown port asked with a short ``AT``."""
    section = detected_section(context, probe=True)
    return render("modem_detect", _("Plugged-in modems"), detected=section,
                  ports=context.serial_ports.serial_ports())  # fmt: skip


def switch(context: AdminServices, usb_path: str) -> None:
    """Tell a stick in CD-ROM mode to switch to modem mode."""
    try:
        context.modem_discovery.switch_mode(usb_path)
    except UsbControlError as exc:
        flash(_("Not switched: {reason}").format(reason=exc), "error")
    else:
        flash(_("USB device {usb_path} was told to switch to modem mode; it comes back with "
                "its serial ports in a few seconds. Reload this page then.").format(
                    usb_path=usb_path))  # fmt: skip
    raise see_other("/modems/detected")


ROUTES = (
    Route("GET", "/modems/detected", detected_page),
    Route("POST", "/modems/usb/<usb_path>/switch", switch),
)
