"""The field report's fixed script and the recorder that runs it on a modem's port.

The script is safe: identification, test (``=?``) and read (``?``) commands for every
command the driver uses, the volatile settings the driver makes (echo, error format, PDU
mode, indications, the vendors' noise switches), registration and SMS-path state and the
vendors' PIN-retry queries. Nothing is written to the SIM, no PIN is entered, the modem is
never restarted (``AT+CFUN=1`` only confirms it is on, as Gammu does). Only the owner's
USSD code and one test SMS (when asked) are added.

The recorder writes each command and keeps the raw lines up to the final result code, the
timings and any unsolicited line seen meanwhile.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from otpbroker.modem.at import CTRL_Z, ESC, URC_PREFIXES, is_final
from otpbroker.modem.lines import LineSplitter

SCRIPT: tuple[str, ...] = (
    # identification (what the driver and Gammu ask first)
    "AT", "ATE1", "ATE0", "AT+CMEE=1", "AT+CMEE?", "ATI", "AT+CGMI", "AT+CGMM", "AT+CGMR",
    "AT+CGSN", "AT+GMI", "AT+GMM", "AT+GMR", "AT+CGMI=?", "AT+CGSN=?", "AT+CPROT=?",
    "AT+SYNCML=?", "AT$TSSPCSW=?", "AT+CHUP=?",
    # noise switches the driver makes (volatile settings)
    "AT^CURC=0", 'AT+QINDCFG="all",0', "AT+AUTOCSQ=0,0", "AT+CNSMOD=0", 'AT+EXUNSOL="SQ",0',
    # vendor port settings Gammu writes are only read: they may be kept in the modem's memory
    "AT^PORTSEL?", "AT^PORTSEL=?", "AT+ZCDRUN=?", "AT+ZOPRT?",
    # the SIM: state and PIN tries (never a PIN), identity
    "AT+CPIN?", "AT+CPIN=?", 'AT+CPINR="SIM PIN"', 'AT+QPINC="SC"', "AT+QPINC?", "AT+SPIC",
    "AT^CPIN?", "AT+ZPINPUK=?", "AT+CIMI", "AT+CCID", "AT^ICCID?", "AT+QCCID", "AT+CNUM",
    # the SMS path the driver sets up and uses
    "AT+CMGF=?", "AT+CMGF?", "AT+CMGF=0", "AT+CSCS=?", "AT+CSCS?", 'AT+CSCS="UCS2"', "AT+CSCS?",
    'AT+CSCS="HEX"', "AT+CSCS?", 'AT+CSCS="GSM"', "AT+CSCS?",
    "AT+CSCA?", "AT+CSMS?", "AT+CSMP?", "AT+CPMS=?", "AT+CPMS?", "AT+CNMI=?", "AT+CNMI?",
    "AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,0,0", "AT+CMMS=?", "AT+CMMS=2", "AT+CMGS=?",
    "AT+CMGL=?", "AT+CMGR=?", "AT+CMGD=?", "AT+CUSD=?", "AT+CUSD?", "AT+CUSD=1", "AT+CUSD=2",
    # network, registration and the SMS path
    "AT+CFUN?", "AT+CFUN=1", "AT+CSQ", "AT+CSQ=?", "AT+COPS?", "AT+CREG=?", "AT+CREG?", "AT+CGREG?",
    "AT+CEREG?", "AT+CGSMS=?", "AT+CGSMS?", "AT+CIREG?", "AT+CPSI?", "AT+QNWINFO",
    'AT+QCFG="ims"', "AT^SYSINFOEX", "AT^SYSINFO", "AT+ZPAS?", "AT+CGATT?",
)  # fmt: skip
COMMAND_TIMEOUT = 10.0
"""Seconds a script command may take (``AT+COPS?`` on a searching modem is slow)."""


class LinePort(Protocol):
    """What the recorder needs of a serial port (``SerialTransport`` is one)."""

    def write(self, data: bytes) -> None:
        """Write all of ``data``."""
        ...

    def wait_readable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for input."""
        ...

    def read_available(self) -> bytes:
        """The bytes waiting now."""
        ...


@dataclass
class RawStep:
    """One command as the modem answered it (before anonymising)."""

    command: str
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    ms: int = 0
    unsolicited: list[tuple[str, int]] = field(default_factory=list)
    prompt_ms: int | None = None
    note: dict[str, object] = field(default_factory=dict)


def own_prefix(command: str) -> str:
    """The reply prefix a command names (``AT+CREG?`` -> ``+CREG:``), or ``""``."""
    name = command[2:].split("=", 1)[0].split("?", 1)[0].upper()
    return name + ":" if name[:1] in "+^" else ""


class Recorder:
    """Runs commands on a port and keeps everything they bring back."""

    def __init__(self, port: LinePort, clock: Callable[[], float] = time.monotonic) -> None:
        """Record on ``port``."""
        self._port = port
        self._clock = clock
        self._splitter = LineSplitter()
        self._lines: deque[str] = deque()

    def _fill(self, timeout: float) -> None:
        if self._port.wait_readable(max(0.0, timeout)):
            self._lines.extend(self._splitter.feed(self._port.read_available()))

    def _next(self, deadline: float, prompt: bool = False) -> str | None:
        """The next line (``">"`` for a waiting prompt), or None at the deadline."""
        while True:
            if self._lines:
                return self._lines.popleft()
            if prompt and self._splitter.take_prompt():
                return ">"
            left = deadline - self._clock()
            if left <= 0:
                return None
            self._fill(min(left, 0.5))

    def listen(self, seconds: float) -> list[tuple[str, int]]:
        """Lines the modem sends on its own within ``seconds`` (start-up lines)."""
        start = self._clock()
        seen = []
        while (line := self._next(start + seconds)) is not None:
            seen.append((line, self._ms(start)))
        return seen

    def _ms(self, start: float) -> int:
        return min(600_000, max(0, round((self._clock() - start) * 1000)))

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT) -> RawStep:
        """Write ``command`` and record its answer up to the final result code."""
        step = RawStep(command)
        start = self._clock()
        self._port.write(command.encode("ascii") + b"\r")
        self._collect(step, start, start + timeout)
        return step

    def _collect(self, step: RawStep, start: float, deadline: float) -> None:
        mine = own_prefix(step.command)
        echo = step.command.upper()
        while (line := self._next(deadline)) is not None:
            upper = line.upper()
            if upper == echo:
                continue
            if is_final(line):
                step.final, step.ms = line, self._ms(start)
                return
            if upper.startswith(URC_PREFIXES) and not (mine and upper.startswith(mine)):
                step.unsolicited.append((line, self._ms(start)))
            else:
                step.lines.append(line)
        step.ms = self._ms(start)

    def send_pdu(self, length: int, pdu_hex: str, timeout: float = 60.0) -> RawStep:
        """``AT+CMGS=<length>``, the PDU after the prompt, the result (the PDU is not kept)."""
        step = RawStep(f"AT+CMGS={length}")
        start = self._clock()
        self._port.write(step.command.encode("ascii") + b"\r")
        deadline = start + timeout
        while (line := self._next(deadline, prompt=True)) is not None:
            if line.startswith(">"):
                step.prompt_ms = self._ms(start)
                self._port.write(pdu_hex.encode("ascii") + CTRL_Z)
                break
            if is_final(line):
                step.final, step.ms = line, self._ms(start)
                return step
        else:
            self._port.write(ESC)
            step.ms = self._ms(start)
            return step
        self._collect(step, start, deadline)
        step.lines = [line for line in step.lines if pdu_hex.upper() not in line.upper()]
        return step

    def ussd(self, command: str, wait: float = 30.0) -> RawStep:
        """A USSD request: its final result, then the ``+CUSD:`` reply (up to ``wait`` s)."""
        step = self.run(command, COMMAND_TIMEOUT)
        start = self._clock() - step.ms / 1000
        moved = [line for line in step.lines if line.upper().startswith("+CUSD:")]
        step.lines = [line for line in step.lines if line not in moved]
        step.unsolicited[:0] = [(line, step.ms) for line in moved]
        deadline = self._clock() + wait
        while not any(u.upper().startswith("+CUSD:") for u, _ in step.unsolicited):
            line = self._next(deadline)
            if line is None:
                break
            while line.upper().startswith("+CUSD:") and line.count('"') % 2:
                more = self._next(deadline)  # a reply text spanning lines, joined as sent
                if more is None:
                    break
                line += "\n" + more
            step.unsolicited.append((line, self._ms(start)))
        return step


__all__ = ["COMMAND_TIMEOUT", "SCRIPT", "LinePort", "RawStep", "Recorder", "own_prefix"]
