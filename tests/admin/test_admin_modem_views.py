"""What the admin pages show of modems (``web/admin/modem_views.py``), from plain objects."""

from __future__ import annotations

from types import SimpleNamespace

from otpbroker.domain.usb_modems import DetectedModem, ProbedIdentity, UsbPort
from otpbroker.services.modem_discovery import DetectedEntry, DiscoveryReport
from otpbroker.web.admin.modem_views import (
    detected_status,
    entry_view,
    live_view,
    report_view,
)

AT_PORT = "/dev/serial/by-id/usb-Quectel_EC25-if02-port0"


def detected(usb_path: str = "1-1", **changes) -> DetectedModem:
    values = {"usb_path": usb_path, "vendor_id": "2c7c", "product_id": "0125",
              "family": "Quectel", "kind": "modem"}  # fmt: skip
    return DetectedModem(**{**values, **changes})


def status(state: str = "ready", **changes) -> SimpleNamespace:
    identity = SimpleNamespace(manufacturer="Quectel", model="EC25", imei="861234567890123")
    network = SimpleNamespace(operator="XL", signal_percent=70)
    values = {
        "modem_id": "m1",
        "state": state,
        "connected": state == "ready",
        "identity": identity,
        "network": network,
        "last_error": None,
        "port": AT_PORT,
    }
    return SimpleNamespace(**{**values, **changes})  # fmt: skip


def test_a_live_modem_without_route_or_path_check():
    view = live_view(status())
    assert view["model"] == "Quectel EC25" and view["operator"] == "XL"
    assert view["ready"] is True and view["signal"] == 70 and view["port"] == AT_PORT
    assert view["sms_path"] == "" and view["sms_path_ok"] is None
    assert view["routing"] is None and view["put_back"] is False


def test_a_held_or_dead_modem_can_be_put_back():
    route = SimpleNamespace(reason="held", reason_text="held: SIM refused the message")
    held = live_view(status(), route, held=True)
    assert held["put_back"] is True and held["routing_text"].startswith("held")
    assert live_view(status("dead"))["put_back"] is True


def test_the_status_line_says_why_a_device_has_no_usable_port():
    assert detected_status(DetectedEntry(detected(kind="cdrom"))) == "in CD-ROM mode"
    assert detected_status(DetectedEntry(detected(answered=True))) == "AT answered"
    assert detected_status(DetectedEntry(detected(answered=False))) == "no answer to AT"
    in_use = DetectedEntry(detected(at_port=AT_PORT), ("XL stick",))
    assert detected_status(in_use) == "in use by XL stick (not asked)"
    from_table = DetectedEntry(detected(at_port=AT_PORT, at_source="table"))
    assert detected_status(from_table) == "not asked yet (AT port known from the model table)"


def test_a_device_not_configured_yet_links_to_the_filled_in_form():
    modem = detected(
        at_port=AT_PORT, answered=True, identity=ProbedIdentity("quectel", "EC25", "86123"),
        ports=(UsbPort(2, "at", "option", "/dev/ttyUSB2", AT_PORT),),
    )  # fmt: skip
    view = entry_view(DetectedEntry(modem))
    assert view["identity"] == "Quectel EC25" and view["imei"] == "86123"
    assert view["add_url"].startswith("/modems/new?") and "EC25" in view["add_url"]
    assert view["ports"] == [{"interface": 2, "role": "at", "driver": "option",
                              "path": AT_PORT, "netdev": ""}]  # fmt: skip
    assert entry_view(DetectedEntry(modem, ("XL stick",)))["add_url"] == ""


def test_the_report_lists_devices_not_configured_first():
    report = DiscoveryReport(
        (DetectedEntry(detected("1-1"), ("XL stick",)), DetectedEntry(detected("1-2"))),
        ("1-3: unreadable",), probed=False,
    )  # fmt: skip
    view = report_view(report)
    assert [e["usb_path"] for e in view["entries"]] == ["1-2", "1-1"]
    assert view["problems"] == ["1-3: unreadable"] and view["probed"] is False
