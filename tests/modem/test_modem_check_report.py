"""``otp-broker modem-check --report FILE`` against an emulated modem on a real pty, the
USB layout it reads from sysfs, and a USSD reply spanning lines.

The command runs the fixed script, the owner's USSD code and one test SMS, and writes the
anonymised report; ``--pin`` is refused with ``--report`` (a PIN is never part of one) and
a port that cannot be opened gives a precise message; no file is written then.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from usb_tree import UsbTree

from otpbroker.domain.field_report import ReportRequest, loads
from otpbroker.modem.field_reports import TEST_TEXT, Recording, anonymise, usb_layout
from otpbroker.modem.report_script import SCRIPT, Recorder
from otpbroker.modem.sim import SimModem, personality_profile
from otpbroker.modem.sim.usb import PERSONALITIES
from otpbroker.modem.transport import SerialSettings, SerialTransport

ROOT = Path(__file__).resolve().parents[2]
RECIPIENT = "+6285712344321"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / ".venv/bin/otp-broker"), "modem-check", *args],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_report_is_written_and_holds_no_identifier(tmp_path: Path) -> None:
    profile = personality_profile("simcom-sim7600", realistic=False, seed=5,
                                  msisdn="+6281298765432", smsc="+6281100000123")  # fmt: skip
    out = tmp_path / "report.json"
    with SimModem(profile) as sim:
        assert sim.path is not None
        result = check("--port", sim.path, "--report", str(out), "--ussd", "*888#",
                       "--send-to", RECIPIENT)  # fmt: skip
        assert result.returncode == 0, result.stderr
        [delivery] = sim.wait_for_deliveries(1, timeout=20)
    assert f"report written to {out}" in result.stdout
    assert (delivery.to, delivery.text) == (RECIPIENT, TEST_TEXT)
    text = out.read_text()
    for secret in (sim.imei, profile.imsi, profile.msisdn, profile.smsc, RECIPIENT):
        assert secret.lstrip("+") not in text, secret
    report = loads(text.encode())
    commands = [step.command for step in report.steps]
    assert commands[: len(SCRIPT)] == list(SCRIPT) and 'AT+CUSD=1,"*888#",15' in commands
    assert report.modem["model"] == profile.model and report.modem["usb"] == "unknown"
    assert not any("CPIN=" in c and "?" not in c for c in commands)  # never a PIN


def test_a_pin_is_refused_with_report_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = check("--port", "/dev/null", "--report", str(out), "--pin", "1234")
    assert result.returncode == 2 and "--report never enters a PIN" in result.stderr
    assert not out.exists()


def test_a_port_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = check("--port", str(tmp_path / "ttyUSB9"), "--report", str(out))
    assert result.returncode == 2 and "no report: cannot open" in result.stderr
    assert not out.exists()


def test_usb_ids_and_interfaces_come_from_sysfs_without_the_serial(tmp_path: Path) -> None:
    [lay] = [lay for lay in PERSONALITIES["quectel-ec25"] if lay.mode == "modem"][:1]
    tree = UsbTree(tmp_path / "root")
    plugged = tree.plug(lay)
    usb = usb_layout(str(plugged.links[lay.at_interface]), str(tree.sysfs))
    assert isinstance(usb, dict)
    assert (usb["vendor_id"], usb["product_id"]) == (lay.vendor_id, lay.product_id)
    numbers = [i["number"] for i in usb["interfaces"]]
    assert numbers == sorted(i.number for i in lay.interfaces)
    assert lay.serial and lay.serial not in str(usb)
    assert usb_layout(str(tmp_path / "pts-1"), str(tree.sysfs)) == "unknown"


def test_a_ussd_reply_spanning_lines_is_recorded_whole_and_masked(tmp_path: Path) -> None:
    master, slave = os.openpty()
    reply = b'\r\nOK\r\n\r\n+CUSD: 1,"Menu:\r\n1 Pulsa 0812345678901\r\n2 Paket",15\r\n'

    def modem() -> None:  # a modem on the master side that answers the one request
        asked = b""
        while not asked.endswith(b"\r"):
            asked += os.read(master, 64)
        os.write(master, reply)

    answering = threading.Thread(target=modem, daemon=True)
    answering.start()
    transport = SerialTransport(SerialSettings(port=os.ttyname(slave)))
    transport.open()
    try:
        step = Recorder(transport).ussd('AT+CUSD=1,"*123#",15', wait=10)
    finally:
        transport.close()
        os.close(slave)
        answering.join(5)
        os.close(master)
    [(line, _)] = step.unsolicited
    assert line == '+CUSD: 1,"Menu:\n1 Pulsa 0812345678901\n2 Paket",15'  # whole, as sent
    request = ReportRequest(ussd_code="*123#")
    kept = anonymise(Recording([], [step]), ReportRequest("*123#", True), "unknown")
    masked = anonymise(Recording([], [step]), request, "unknown")
    [kept_line] = kept.steps[0].unsolicited
    assert "Menu:\n1 Pulsa " in kept_line.line and "0812345678901" not in kept_line.line
    [masked_line] = masked.steps[0].unsolicited
    text = "Menu:\n1 Pulsa 0812345678901\n2 Paket"
    assert masked_line.line == '+CUSD: 1,"' + "X" * len(text) + '",15'
    assert loads(masked.dumps().encode()).steps[0].note["ussd_length"] == len(text)
    assert loads(kept.dumps().encode()).steps[0].unsolicited == (kept_line,)
