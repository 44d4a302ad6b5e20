"""A field report: one modem's anonymised AT transcript, as versioned JSON.

``otp-broker modem-check --report`` writes one; ``otp-broker modem-sim --replay`` reads one
back as an emulator personality. This module only knows the format: building the document,
and checking one read from a file (malformed, newer or too large reports are refused with a
precise :class:`ReportError`). Nothing in a report is ever executed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
"""The format this version writes and the newest it reads."""
MAX_BYTES = 512 * 1024
"""The largest report file read or written."""
MAX_STEPS = 400
MAX_LINES = 200
"""Reply (or unsolicited) lines kept per step; more are cut and the step says so."""
MAX_LINE_CHARS = 1024


USSD_CODE = re.compile(r"[0-9*#+]{1,64}")
NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")


class ReportError(ValueError):
    """A report that cannot be used (or made), with the reason."""


@dataclass(frozen=True)
class ReportRequest:
    """What the owner chose: an optional USSD code (and whether its reply text is kept) and
    an optional number (international form) for one test SMS."""

    ussd_code: str | None = None
    include_ussd_text: bool = False
    sms_to: str | None = None

    def check(self) -> None:
        """``ReportError`` with the reason for a USSD code or number that cannot be used."""
        if self.ussd_code is not None and not USSD_CODE.fullmatch(self.ussd_code):
            raise ReportError(f"USSD code {self.ussd_code!r}: only digits, * # and + "
                              "(at most 64) are allowed")  # fmt: skip
        if self.sms_to is not None and not NUMBER.fullmatch(self.sms_to):
            raise ReportError(f"test SMS number {self.sms_to!r}: give it in international "
                              "form, + and 7 to 15 digits (e.g. +628123456789)")  # fmt: skip


@dataclass(frozen=True)
class Unsolicited:
    """A line the modem sent on its own while a step ran, ``ms`` after the step began."""

    line: str
    ms: int


@dataclass(frozen=True)
class Step:
    """One command of the script and what the modem answered."""

    command: str
    lines: tuple[str, ...]
    final: str | None
    """The final result code (``OK``, ``ERROR``, ``+CME ERROR: 3``); None: no answer."""
    ms: int
    """Milliseconds from the command written to its final result code."""
    unsolicited: tuple[Unsolicited, ...] = ()
    prompt_ms: int | None = None
    """``AT+CMGS``: milliseconds until the ``> `` prompt (None: no prompt)."""
    note: dict[str, Any] = field(default_factory=dict)
    """What the writer keeps instead of secrets (an SMS's length and encoding, a masked
    USSD reply's length and coding scheme)."""

    def as_dict(self) -> dict[str, Any]:
        """The step as JSON."""
        out: dict[str, Any] = {"command": self.command, "lines": list(self.lines),
                               "final": self.final, "ms": self.ms}  # fmt: skip
        if self.unsolicited:
            out["unsolicited"] = [{"line": u.line, "ms": u.ms} for u in self.unsolicited]
        if self.prompt_ms is not None:
            out["prompt_ms"] = self.prompt_ms
        if self.note:
            out["note"] = dict(self.note)
        return out


@dataclass(frozen=True)
class Report:
    """A whole report (see ``docs/modems.md``)."""

    modem: dict[str, Any]
    """manufacturer, model, firmware (as the modem named them), usb (ids and interfaces, or
    ``"unknown"``)."""
    options: dict[str, Any]
    """What the owner chose: the USSD code, whether its text is kept, whether an SMS went."""
    steps: tuple[Step, ...]
    unsolicited: tuple[Unsolicited, ...] = ()
    """Lines seen before the first command (start-up lines)."""
    created: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "otp-broker field report",
            "created": self.created,
            "modem": self.modem,
            "options": self.options,
            "unsolicited": [{"line": u.line, "ms": u.ms} for u in self.unsolicited],
            "steps": [step.as_dict() for step in self.steps],
        }

    def dumps(self) -> str:
        """The report's text; ``ReportError`` when it would be too large."""
        text = json.dumps(self.as_dict(), indent=1, ensure_ascii=False) + "\n"
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise ReportError(f"the report would exceed {MAX_BYTES} bytes")
        return text


def loads(data: bytes) -> Report:
    """A report from a file's bytes; ``ReportError`` says precisely what is wrong."""
    if len(data) > MAX_BYTES:
        raise ReportError(f"report too large: {len(data)} bytes, the limit is {MAX_BYTES}")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"not a JSON report: {exc}") from None
    if not isinstance(doc, dict):
        raise ReportError("not a JSON report: the top level is not an object")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReportError("malformed report: format_version missing or not a positive integer")
    if version > FORMAT_VERSION:
        raise ReportError(f"report format_version {version} is newer than this program "
                          f"reads ({FORMAT_VERSION}): update OTP Broker")  # fmt: skip
    steps = _list(doc, "steps", MAX_STEPS)
    return Report(
        modem=_object(doc, "modem"),
        options=_object(doc, "options"),
        steps=tuple(_step(index, raw) for index, raw in enumerate(steps)),
        unsolicited=_unsolicited("unsolicited", doc.get("unsolicited", [])),
        created=str(doc.get("created", "")),
    )


def _object(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise ReportError(f"malformed report: {key!r} missing or not an object")
    return value


def _list(doc: dict[str, Any], key: str, limit: int) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise ReportError(f"malformed report: {key!r} missing or not a list")
    if len(value) > limit:
        raise ReportError(f"report too large: {len(value)} {key}, the limit is {limit}")
    return value


def _text(where: str, value: Any, *, multiline: bool = False) -> str:
    """A line of text without CR, Ctrl-Z or ESC (LF only in a multi-line USSD reply)."""
    if not isinstance(value, str):
        raise ReportError(f"malformed report: {where} is not text")
    forbidden = "\r\x1a\x1b" if multiline else "\r\n\x1a\x1b"
    if len(value) > MAX_LINE_CHARS or any(c in value for c in forbidden):
        raise ReportError(f"malformed report: {where} is too long or holds control bytes")
    return value


def _ms(where: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 600_000:
        raise ReportError(f"malformed report: {where} is not a time in ms (0..600000)")
    return value


def _unsolicited(where: str, raw: Any) -> tuple[Unsolicited, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_LINES:
        raise ReportError(f"malformed report: {where} is not a list of at most {MAX_LINES}")
    found = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ReportError(f"malformed report: {where}[{index}] is not an object")
        found.append(Unsolicited(_text(f"{where}[{index}].line", item.get("line"), multiline=True),
                                 _ms(f"{where}[{index}].ms", item.get("ms"))))  # fmt: skip
    return tuple(found)


def _step(index: int, raw: Any) -> Step:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise ReportError(f"malformed report: {where} is not an object")
    command = _text(f"{where}.command", raw.get("command"))
    if not command.upper().startswith("AT"):
        raise ReportError(f"malformed report: {where}.command does not start with AT")
    lines = raw.get("lines")
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ReportError(f"malformed report: {where}.lines is not a list of at most "
                          f"{MAX_LINES}")  # fmt: skip
    final = raw.get("final")
    prompt = raw.get("prompt_ms")
    note = raw.get("note", {})
    if not isinstance(note, dict):
        raise ReportError(f"malformed report: {where}.note is not an object")
    return Step(
        command=command,
        lines=tuple(_text(f"{where}.lines[{n}]", line) for n, line in enumerate(lines)),
        final=None if final is None else _text(f"{where}.final", final),
        ms=_ms(f"{where}.ms", raw.get("ms")),
        unsolicited=_unsolicited(f"{where}.unsolicited", raw.get("unsolicited", [])),
        prompt_ms=None if prompt is None else _ms(f"{where}.prompt_ms", prompt),
        note=note,
    )


__all__ = ["FORMAT_VERSION", "MAX_BYTES", "Report", "ReportError", "ReportRequest", "Step",
           "Unsolicited",
           "loads"]  # fmt: skip
