"""Making a field report of one modem: run the fixed script, then anonymise what it saw.

``record`` talks to the modem (``report_script``); ``anonymise`` turns the raw steps into
the report (``domain.field_report``) with every identifier replaced and message texts kept
only as length and encoding (``report_privacy``). The PIN is never asked for, so it can
never be in a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from otpbroker.domain.field_report import Report, ReportRequest, Step, Unsolicited
from otpbroker.modem import sysfs
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.report_privacy import Anonymiser, cusd_line
from otpbroker.modem.report_script import SCRIPT, LinePort, RawStep, Recorder

TEST_TEXT = "OTP Broker field report test"
"""The test SMS's text (sent only when the owner gives a number; kept as length only)."""
STARTUP_LISTEN = 1.0
"""Seconds of listening before the first command (start-up lines, pending noise)."""


@dataclass
class Recording:
    """What the modem said, before anonymising."""

    startup: list[tuple[str, int]]
    steps: list[RawStep]


def record(port: LinePort, request: ReportRequest) -> Recording:
    """Run the script (and the owner's USSD and test SMS) on an open port."""
    recorder = Recorder(port)
    startup = recorder.listen(STARTUP_LISTEN)
    steps = [recorder.run(command) for command in SCRIPT]
    if request.ussd_code:
        steps.append(recorder.ussd(f'AT+CUSD=1,"{request.ussd_code}",15'))
        steps.append(recorder.run("AT+CUSD=2"))
    if request.sms_to:
        message = encode_sms(request.sms_to, TEST_TEXT)
        for part in message.pdus():
            step = recorder.send_pdu(part.tpdu_length, part.hex)
            step.note = {"sms_text_length": len(TEST_TEXT), "sms_encoding": _encoding(message)}
            steps.append(step)
    return Recording(startup, steps)


def _encoding(message: Any) -> str:
    return "ucs2" if message.dcs == 0x08 else "gsm7"


def usb_layout(port: str, root: str = "/sys") -> dict[str, Any] | str:
    """The USB ids and interface layout of ``port`` from sysfs, or ``"unknown"``."""
    path = sysfs.usb_path_of(port, root)
    device = sysfs.read_usb_device(path, root) if path else None
    if device is None:
        return "unknown"
    return {
        "vendor_id": device.vendor_id,
        "product_id": device.product_id,
        "manufacturer": device.manufacturer,
        "product": device.product,
        "interfaces": [{"number": i.number, "class": i.klass, "subclass": i.subclass,
                        "protocol": i.protocol, "driver": i.driver,
                        "tty": bool(i.ttys), "net": bool(i.nets)}
                       for i in device.interfaces],
    }  # fmt: skip


def anonymise(recording: Recording, request: ReportRequest, usb: dict[str, Any] | str) -> Report:
    """The report of ``recording``: identifiers replaced, texts kept only as length."""
    cleaner = Anonymiser()
    if request.sms_to:
        cleaner.learn("recipient", request.sms_to)
    for raw in recording.steps:
        cleaner.learn_replies(raw.command, raw.lines)
    steps = tuple(_step(raw, cleaner, request.include_ussd_text) for raw in recording.steps)
    startup = tuple(Unsolicited(cleaner.clean(line), ms) for line, ms in recording.startup)
    return Report(
        modem=_modem(steps, usb),
        options={
            "ussd_code": request.ussd_code,
            "ussd_text_included": request.include_ussd_text,
            "test_sms": bool(request.sms_to),
        },
        steps=steps,
        unsolicited=startup[:200],
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def _step(raw: RawStep, cleaner: Anonymiser, keep_text: bool) -> Step:
    note = dict(raw.note)
    unsolicited = []
    for line, ms in raw.unsolicited[:200]:
        if line.upper().startswith("+CUSD:"):
            line, found = cusd_line(line, cleaner, keep_text)
            note.update(found)
        else:
            line = _two_line_safe(cleaner.clean(line))
        unsolicited.append(Unsolicited(line[:1024], ms))
    command = cleaner.clean(raw.command)
    if command.upper().startswith("AT+CUSD=1,"):
        note.setdefault("ussd_text", "none came")
    return Step(
        command=command,
        lines=tuple(cleaner.clean(line)[:1024] for line in raw.lines[:200]),
        final=raw.final,
        ms=raw.ms,
        unsolicited=tuple(unsolicited),
        prompt_ms=raw.prompt_ms,
        note=note,
    )


def _two_line_safe(line: str) -> str:
    """A PDU line (a received SMS or a status report) only as its length."""
    if len(line) >= 16 and all(c in "0123456789ABCDEFabcdef" for c in line):
        return f"<PDU, {len(line)} hex digits>"
    return line[:1024]


def _modem(steps: tuple[Step, ...], usb: dict[str, Any] | str) -> dict[str, Any]:
    """Manufacturer, model and firmware as the modem named them, and its USB layout."""
    first: dict[str, str] = {}
    for step in steps:
        if step.command in ("AT+CGMI", "AT+CGMM", "AT+CGMR") and step.final == "OK":
            first.setdefault(step.command, " ".join(step.lines).strip())
    return {"manufacturer": first.get("AT+CGMI", "unknown"),
            "model": first.get("AT+CGMM", "unknown"),
            "firmware": first.get("AT+CGMR", "unknown"), "usb": usb}  # fmt: skip


__all__ = ["TEST_TEXT", "Recording", "ReportRequest", "anonymise", "record", "usb_layout"]
