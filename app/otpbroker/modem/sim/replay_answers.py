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
3. The recorded ``+CUSD:`` reply of a USSD request follows its final result code after its
   recorded time; no other unsolicited line is replayed.
4. ``ATE0`` / ``ATE1`` switch the echo when the report has them.
5. Anything else answers ``ERROR`` and is logged as "not in the report". Nothing from the
   report is ever executed: it is only text written back.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from otpbroker.domain.field_report import Report, Step
from otpbroker.modem.pdu import DecodedSubmit

from .sms import RejectedPdu, check_submit

log = logging.getLogger(__name__)

CTRL_Z = 0x1A
ESC = 0x1B
_CMGS = re.compile(r"AT\+CMGS=(\d{1,3})")
_CMGS_LINE = re.compile(r"\+CMGS:\s*\d+")


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
        for step in report.steps:
            self._steps[normalised(step.command)].append(step)
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
                out.append(Out(wait, frame(line.line), later=True))
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
        steps = self._steps.get(command)
        if not steps:
            log.warning("%s: %r is not in the report: answered ERROR", self.name, command[:80])
            out.append(Out(0, frame("ERROR")))
            return
        turn = self._turn[command]
        self._turn[command] = turn + 1
        step = steps[min(turn, len(steps) - 1)]
        if step.final == "OK" and command in ("ATE0", "ATE1"):
            self.echo = command == "ATE1"
        out.extend(self._answer(step))

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


__all__ = ["Accepted", "Out", "ReplayAnswers", "normalised"]
