"""The AT channel: send one command, collect its reply, dispatch unsolicited lines.

Every byte read goes through one ``LineSplitter``. A line is either echo
(dropped), a final result code (ends the command), an unsolicited result code
(handed to ``on_urc`` at once, even in the middle of another reply) or an
information line of the pending command. Only the owner thread of a modem
uses a channel, so there is no locking here.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from otpbroker.modem.errors import (
    AtTimeout,
    ChannelClosed,
    CommandError,
    PromptTimeout,
    ResultTimeout,
)
from otpbroker.modem.lines import LineSplitter
from otpbroker.modem.transport import SerialTransport, TransportError

log = logging.getLogger(__name__)

CTRL_Z = b"\x1a"
ESC = b"\x1b"

FINAL_SUCCESS = ("OK", "CONNECT")
FINAL_FAILURE = (
    "ERROR",
    "+CME ERROR:",
    "+CMS ERROR:",
    "NO CARRIER",
    "BUSY",
    "NO ANSWER",
    "NO DIALTONE",
    "COMMAND NOT SUPPORT",
    "TOO MANY PARAMETERS",
)
URC_PREFIXES = (
    "+CMTI:", "+CMT:", "+CDS:", "+CDSI:", "+CUSD:", "+CREG:", "+CGREG:", "+CEREG:",
    "+CLIP:", "+CRING:", "+CIEV:", "+CPIN:", "RING", "^", "+PBREADY", "+QIND:",
    "+STIN:", "+CBM:", "SMS DONE", "PB DONE", "CALL READY", "RDY", "SMS READY", "+QUSIM:",
    "+CSQ:", "+CSQN:", "+CNSMOD:", "+CFUN:", "+ZUSIMR:", "+ZPASR:",
)  # fmt: skip
# A solicited answer with one of these prefixes (``+CSQ: 20,99`` to ``AT+CSQ``) is taken
# as the reply when the command names it as expected; at any other time it is unsolicited.
TWO_LINE_URCS = ("+CMT:", "+CDS:", "+CBM:")


def shown_line(line: str) -> str:
    """A line as the log may show it: a PDU (a long run of hexadecimal digits, which could be
    decoded to a message text) only by its length."""
    if len(line) >= 16 and all(c in "0123456789ABCDEFabcdef" for c in line):
        return f"<PDU, {len(line)} hex digits>"
    return repr(line[:80])


@dataclass(frozen=True)
class Urc:
    """One unsolicited result code; ``payload`` is the PDU line of two-line URCs."""

    line: str
    payload: str | None = None


def is_final(line: str) -> bool:
    """True for a line that ends a command."""
    upper = line.upper()
    return upper in FINAL_SUCCESS or upper.startswith("CONNECT") or upper.startswith(FINAL_FAILURE)


def is_success(line: str) -> bool:
    """True for a final line that means success."""
    return line.upper() == "OK" or line.upper().startswith("CONNECT")


def safe_for_log(command: str) -> str:
    """Hide secrets (the SIM PIN, PUK) in a command before logging it."""
    if command.upper().startswith("AT+CPIN="):
        return "AT+CPIN=<hidden>"
    return command


class AtChannel:
    """Command/response exchange over one transport."""

    def __init__(
        self,
        transport: SerialTransport,
        *,
        name: str,
        on_urc: Callable[[Urc], None] | None = None,
    ) -> None:
        self.transport = transport
        self.name = name
        self.on_urc = on_urc
        self._splitter = LineSplitter()
        self._lines: deque[str] = deque()
        self._awaiting_payload: str | None = None
        self._cusd_partial: str | None = None
        self.needs_resync = False

    # -- reading -----------------------------------------------------------------
    def _fill(self, timeout: float) -> bool:
        """Read what arrives within ``timeout``; True if anything did."""
        try:
            if not self.transport.wait_readable(timeout):
                return False
            data = self.transport.read_available()
        except TransportError as exc:
            raise ChannelClosed(str(exc)) from exc
        if data:
            self._lines.extend(self._splitter.feed(data))
        return bool(data)

    def _route(self, line: str, expect: str | None) -> str | None:
        """Dispatch unsolicited lines; return the line if it belongs to the command."""
        if self._awaiting_payload is not None:
            head, self._awaiting_payload = self._awaiting_payload, None
            self._dispatch(Urc(head, line))
            return None
        if self._cusd_partial is not None:
            self._cusd_partial += "\n" + line
            if self._cusd_partial.count('"') % 2 == 0:
                whole, self._cusd_partial = self._cusd_partial, None
                self._dispatch(Urc(whole))
            return None
        upper = line.upper()
        if expect and upper.startswith(expect):
            return line
        if upper.startswith(URC_PREFIXES) and not is_final(line):
            if upper.startswith(TWO_LINE_URCS):
                self._awaiting_payload = line
            elif upper.startswith("+CUSD:") and line.count('"') % 2 == 1:
                self._cusd_partial = line
            else:
                self._dispatch(Urc(line))
            return None
        return line

    def _dispatch(self, urc: Urc) -> None:
        log.debug("%s URC %s", self.name, urc.line)
        if self.on_urc is None:
            return
        try:
            self.on_urc(urc)
        except Exception:  # a handler bug must never kill the owner thread
            log.exception("%s: URC handler failed for %r", self.name, urc.line)

    def _next_line(self, deadline: float, expect: str | None) -> str | None:
        """The next line that belongs to the command, or None at the deadline."""
        while True:
            while self._lines:
                line = self._route(self._lines.popleft(), expect)
                if line is not None:
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._fill(remaining)

    def poll(self, timeout: float) -> None:
        """Read and dispatch unsolicited lines for up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            while self._lines:
                line = self._route(self._lines.popleft(), None)
                if line is not None:
                    log.debug("%s stray line ignored: %s", self.name, shown_line(line))
            if not self._fill(max(0.0, deadline - time.monotonic())):
                return

    def drain(self, quiet: float = 0.05, limit: float = 1.0) -> None:
        """Dispatch what is pending until the line is quiet for ``quiet`` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            self.poll(0)
            if not self._fill(quiet):
                break
        self.poll(0)
        self._splitter.clear()

    # -- writing -----------------------------------------------------------------
    def _write(self, data: bytes, *, pdu_written: bool = False) -> None:
        try:
            self.transport.write(data)
        except TransportError as exc:
            raise ChannelClosed(str(exc), pdu_written=pdu_written) from exc

    def _collect(
        self, command: str, deadline: float, expect: str | None, echo: set[str]
    ) -> list[str]:
        """Gather info lines up to the final result code."""
        lines: list[str] = []
        while True:
            line = self._next_line(deadline, expect)
            if line is None:
                self.needs_resync = True
                raise AtTimeout(f"{safe_for_log(command)}: no answer")
            if line.upper() in echo:
                continue
            if is_final(line):
                if is_success(line):
                    return lines
                raise CommandError(safe_for_log(command), line)
            lines.append(line)

    def resync(self, timeout: float = 2.0) -> None:
        """After a time-out: drop late answers, then check the modem answers ``AT`` again
        within ``timeout`` seconds."""
        self.drain(quiet=0.2, limit=2.0)
        self.needs_resync = False
        self.command("AT", timeout=timeout)

    def wake(self, timeouts: Iterable[float], *, error_answers: bool = False,
             quiet: float = 0.1, limit: float = 0.5) -> bool:  # fmt: skip
        """Send ``AT`` once per time-out in ``timeouts`` until it is answered; True if it was.

        A modem may drop the first command after its port is opened (it wakes on it), and
        one just plugged in may need a moment more. Between tries late answers are drained
        (``quiet`` and ``limit`` as in :meth:`drain`). The answer is ``OK``; with
        ``error_answers`` a final error counts too (it still came from an AT interpreter).
        """
        for timeout in timeouts:
            try:
                self.command("AT", timeout=timeout)
                return True
            except CommandError:
                if error_answers:
                    return True
            except AtTimeout:
                pass
            self.needs_resync = False
            self.drain(quiet=quiet, limit=limit)
        return False

    def command(
        self, command: str, *, timeout: float = 5.0, expect: str | None = None
    ) -> list[str]:
        """Run one AT command; return its information lines (echo removed)."""
        if self.needs_resync:
            self.resync()
        self.poll(0)
        log.debug("%s >> %s", self.name, safe_for_log(command))
        self._write(command.encode("ascii") + b"\r")
        return self._collect(command, time.monotonic() + timeout, expect, {command.upper()})

    def write_line(self, command: str) -> None:
        """Send a command without waiting for an answer (a reboot drops the port at once)."""
        log.debug("%s >> %s (no answer awaited)", self.name, safe_for_log(command))
        self._write(command.encode("ascii") + b"\r")

    def send_pdu(
        self, length: int, pdu_hex: str, *, prompt_timeout: float, result_timeout: float
    ) -> list[str]:
        """``AT+CMGS=<length>``, wait for ``>``, write the PDU and Ctrl-Z, collect the reply."""
        if self.needs_resync:
            self.resync()
        self.poll(0)
        command = f"AT+CMGS={length}"
        log.debug("%s >> %s (pdu of %d octets)", self.name, command, length)
        self._write(command.encode("ascii") + b"\r")
        self._wait_prompt(command, time.monotonic() + prompt_timeout)
        self._write(pdu_hex.encode("ascii") + CTRL_Z, pdu_written=True)
        echo = {command.upper(), pdu_hex.upper(), "> " + pdu_hex.upper(), ">" + pdu_hex.upper()}
        try:
            return self._collect(command, time.monotonic() + result_timeout, "+CMGS:", echo)
        except AtTimeout as exc:
            raise ResultTimeout(f"{command}: no result within {result_timeout:g} s") from exc
        except ChannelClosed as exc:
            raise ChannelClosed(str(exc), pdu_written=True) from exc

    def _wait_prompt(self, command: str, deadline: float) -> None:
        echo = command.upper()
        while True:
            while self._lines:
                line = self._route(self._lines.popleft(), None)
                if line is None or line.upper() == echo:
                    continue
                if line.startswith(">"):
                    return
                if is_final(line):
                    raise CommandError(command, line)
            if self._splitter.take_prompt():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._write(ESC)  # leave PDU entry so the next command is not eaten
                self.needs_resync = True
                raise PromptTimeout(f"{command}: no '>' prompt")
            self._fill(min(remaining, 0.5))
