"""What a replayed field report answers: bytes in, timed writes (and accepted SMS) out.

Matching rule (``docs/modems.md``, "Replaying a report"):

1. A command line is compared with the recorded commands after trimming spaces and upper-
   casing everything outside double quotes. A recorded command answers with its recorded
   lines and final result code, after its recorded time (scaled). A command recorded several
   times answers with its recordings in turn, then with the last one again.
2. ``AT+CMGS=<length>`` with any length matches the recorded ``AT+CMGS`` (the test SMS):
   the prompt comes after the recorded prompt time; the PDU typed is checked against the
   length and decoded (the emulator's delivery log gets it, a bad one answers
   ``+CMS ERROR: 304``); the answer is the recorded final result with a running message
   reference in the ``+CMGS:`` line (a recorded refusal is answered as recorded, nothing is
   delivered).
3. A read command (``AT+CSCS?``) sent after the client's own set command of the same name
   (``AT+CSCS="UCS2"``) answers with what was recorded right after that set, when the report
   has it: the state the client chose shows.
4. A USSD request ``AT+CUSD=1,"<str>"[,<dcs>]`` matches the recorded one when its code is the
   same once ``<str>`` is decoded as the client sent it (plain, UCS2-hex after
   ``AT+CSCS="UCS2"``, or packed GSM 7-bit hex). The recorded ``+CUSD:`` reply follows the
   final result code after its recorded time, re-encoded to UCS2-hex when the client chose
   ``AT+CSCS="UCS2"`` and the recorded text is plain. No other unsolicited line is replayed.
5. ``ATE0`` / ``ATE1`` switch the echo when the report has them.
6. Anything else answers ``ERROR`` and is logged as "not in the report". Nothing from the
   report is ever executed: it is only text written back.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from otpbroker.domain.field_report import Report, Step
from otpbroker.modem.pdu import DecodedSubmit
from otpbroker.modem.pdu.gsm7 import gsm7_decode, unpack_septets

from .sms import RejectedPdu, check_submit

log = logging.getLogger(__name__)

CTRL_Z = 0x1A
ESC = 0x1B
_CMGS = re.compile(r"AT\+CMGS=(\d{1,3})")
_CMGS_LINE = re.compile(r"\+CMGS:\s*\d+")
_CUSD_REQUEST = re.compile(r'AT\+CUSD=1,"([^"]*)"(?:,\d+)?')
_CUSD_REPLY = re.compile(r'(\+CUSD:\s*\d+\s*,\s*")(.*)("\s*(?:,\s*\d+)?)', re.S)
_USSD_CODE = re.compile(r"[0-9*#+]{1,64}")
_HEX = re.compile(r"[0-9A-Fa-f]+")


def normalised(command: str) -> str:
    """``command`` trimmed, upper-cased outside double quotes."""
    parts = command.strip().split('"')
    return '"'.join(part.upper() if index % 2 == 0 else part for index, part in
                    enumerate(parts))  # fmt: skip


def frame(line: str) -> bytes:
    """A line as a modem writes it (verbose result codes)."""
    return b"\r\n" + line.encode("utf-8") + b"\r\n"


@dataclass(frozen=True)
class Out:
    """Write ``data`` after ``delay`` seconds; ``later``: as an unsolicited line, without
    holding up the input."""

    delay: float
    data: bytes
    later: bool = False


@dataclass(frozen=True)
class Accepted:
    """One SMS part the replayed modem took (for the delivery log)."""

    part: DecodedSubmit
    reference: int
    pdu: str


class ReplayAnswers:
    """One replayed modem's dialogue. Not thread-safe: one caller at a time."""

    def __init__(self, report: Report, *, scale: float = 1.0, name: str = "replay") -> None:
        """Answer as ``report`` recorded, timings multiplied by ``scale``."""
        self.scale = scale
        self.name = name
        self._steps: dict[str, list[Step]] = defaultdict(list)
        self._after_set: dict[tuple[str, str], Step] = {}
        self._ussd: dict[str, Step] = {}
        last_set: dict[str, str] = {}
        for step in report.steps:
            command = normalised(step.command)
            self._steps[command].append(step)
            name, kind = _name(command)
            if kind == "=" and step.final == "OK":
                last_set[name] = command
            elif kind == "?" and name in last_set:
                self._after_set.setdefault((command, last_set[name]), step)
            code = _ussd_code(command, "GSM")
            if code:
                self._ussd.setdefault(code, step)
        self._client_set: dict[str, str] = {}
        self._turn: dict[str, int] = defaultdict(int)
        self._send = next((s for s in report.steps if _CMGS.fullmatch(normalised(s.command))
                           and s.prompt_ms is not None), None)  # fmt: skip
        self.echo = True
        self._line = bytearray()
        self._pdu: bytearray | None = None
        self._length = 0
        self._reference = 0

    def feed(self, data: bytes) -> tuple[list[Out], list[Accepted]]:
        """What to write (and the SMS taken) for bytes a client wrote."""
        out: list[Out] = []
        taken: list[Accepted] = []
        for value in data:
            if self.echo:
                out.append(Out(0, bytes([value])))
            if self._pdu is not None:
                self._pdu_byte(value, out, taken)
            elif value == 0x0D:
                line, self._line = self._line.decode("latin-1"), bytearray()
                self._run(line, out)
            elif value in (0x08, 0x7F):
                del self._line[-1:]
            elif value != 0x0A and len(self._line) < 1024:
                self._line.append(value)
        return out, taken

    def _answer(self, step: Step) -> list[Out]:
        data = b"".join(frame(line) for line in step.lines)
        if step.final is not None:
            data += frame(step.final)
        out = [Out(step.ms / 1000 * self.scale, data)]
        for line in step.unsolicited:
            if line.line.upper().startswith("+CUSD:"):
                wait = max(0, line.ms - step.ms) / 1000 * self.scale
                out.append(Out(wait, frame(_in_charset(line.line, self.charset)), later=True))
        return out

    def _run(self, line: str, out: list[Out]) -> None:
        start = line.upper().find("AT")
        if start < 0:
            return
        command = normalised(line[start:])
        match = _CMGS.fullmatch(command)
        if match and self._send is not None:
            self._length = int(match.group(1))
            self._pdu = bytearray()
            out.append(Out((self._send.prompt_ms or 0) / 1000 * self.scale, b"\r\n> "))
            return
        step = self._matching(command)
        if step is None:
            log.warning("%s: %r is not in the report: answered ERROR", self.name, command[:80])
            out.append(Out(0, frame("ERROR")))
            return
        if step.final == "OK" and command in ("ATE0", "ATE1"):
            self.echo = command == "ATE1"
        name, kind = _name(command)
        if kind == "=" and step.final == "OK":
            self._client_set[name] = command
        out.extend(self._answer(step))

    def _matching(self, command: str) -> Step | None:
        """The recorded step that answers ``command`` (rules 1, 3 and 4), or None."""
        name, kind = _name(command)
        if kind == "?" and name in self._client_set:
            after = self._after_set.get((command, self._client_set[name]))
            if after is not None:
                return after
        steps = self._steps.get(command)
        if steps:
            turn = self._turn[command]
            self._turn[command] = turn + 1
            return steps[min(turn, len(steps) - 1)]
        code = _ussd_code(command, self.charset)
        return self._ussd.get(code) if code else None

    @property
    def charset(self) -> str:
        """The character set the client chose (``GSM`` until it sets one)."""
        chosen = self._client_set.get("+CSCS", 'AT+CSCS="GSM"')
        return chosen.split('"')[1].upper() if chosen.count('"') >= 2 else "GSM"

    def _pdu_byte(self, value: int, out: list[Out], taken: list[Accepted]) -> None:
        assert self._pdu is not None and self._send is not None
        if value == ESC:
            self._pdu = None
            out.append(Out(0, frame("OK")))
        elif value == CTRL_Z:
            pdu, self._pdu = self._pdu.decode("ascii", "replace"), None
            self._submit(pdu, out, taken)
        elif value not in b"\r\n \t" and len(self._pdu) < 1024:
            self._pdu.append(value)

    def _submit(self, pdu: str, out: list[Out], taken: list[Accepted]) -> None:
        step = self._send
        assert step is not None
        try:
            part = check_submit(pdu, self._length)
        except RejectedPdu:
            out.append(Out(0, frame("+CMS ERROR: 304")))
            return
        delay = max(0, step.ms - (step.prompt_ms or 0)) / 1000 * self.scale
        if step.final != "OK":
            out.append(Out(delay, b"".join(frame(x) for x in [*step.lines, step.final or ""])))
            return
        reference, self._reference = self._reference, (self._reference + 1) % 256
        taken.append(Accepted(part, reference, pdu))
        lines = [_CMGS_LINE.sub(f"+CMGS: {reference}", line) for line in step.lines]
        out.append(Out(delay, b"".join(frame(x) for x in [*lines, "OK"])))


def _name(command: str) -> tuple[str, str]:
    """A command's name and kind: ``("+CSCS", "=")``, ``("+CSCS", "?")``, ``("", "")``."""
    body = command[2:]
    for kind in ("=?", "=", "?"):
        name, sep, _ = body.partition(kind)
        if sep and name[:1] in "+^$" and not any(c in name for c in '=?"'):
            return name, "" if kind == "=?" else kind
    return "", ""


def _ussd_code(command: str, charset: str) -> str | None:
    """The code of a USSD request decoded as sent under ``charset`` (None: no request)."""
    match = _CUSD_REQUEST.fullmatch(command)
    if match is None:
        return None
    text = match.group(1)
    if _USSD_CODE.fullmatch(text):
        return text
    if not _HEX.fullmatch(text) or len(text) % 2:
        return None
    raw = bytes.fromhex(text)
    if charset == "UCS2" and len(text) % 4 == 0:
        decoded = raw.decode("utf-16-be", "replace")
    else:
        count = len(raw) * 8 // 7
        decoded = gsm7_decode(unpack_septets(raw, count)).rstrip("\r@")
    return decoded if _USSD_CODE.fullmatch(decoded) else None


def _in_charset(line: str, charset: str) -> str:
    """A recorded plain ``+CUSD:`` text as a client that chose UCS2 gets it."""
    match = _CUSD_REPLY.fullmatch(line)
    if charset != "UCS2" or match is None or _HEX.fullmatch(match.group(2)):
        return line
    encoded = match.group(2).encode("utf-16-be").hex().upper()
    return f"{match.group(1)}{encoded}{match.group(3)}"


__all__ = ["Accepted", "Out", "ReplayAnswers", "normalised"]
