"""The AT dialogue of one modem as a state machine: bytes in, steps (writes, pauses) out.

It knows no file descriptors, threads or clocks beyond an injectable ``clock``, so tests can
drive it directly; :class:`~otpbroker.modem.sim.device.SimModem` executes the steps on a pty.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from . import commands
from .faults import Faults, garbage
from .profile import ModemProfile
from .results import ERROR, Reply, cms_error, frame
from .sms import MAX_TPDU, RejectedPdu, check_submit, status_report
from .state import ModemState
from .steps import Later, Pause, Sent, Step, Write
from .syntax import split_commands

CTRL_Z = 0x1A
ESC = 0x1B
MAX_LINE = 1024
PROMPT = b"\r\n> "
URC_TEMPLATES = ("^RSSI: {rssi}", "+CREG: 1", "^BOOT:{boot},0,0,0,75", "^MODE:5,4", "^SRVST:2")


class Mode(Enum):
    """What incoming bytes are: command lines, a PDU after ``> ``, or data."""

    COMMAND = "command"
    PROMPT = "prompt"
    DATA = "data"


class Dialogue:
    """One modem's AT dialogue. Not thread-safe: the caller serialises every call."""

    def __init__(
        self,
        profile: ModemProfile,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A powered-on modem for ``profile``; ``rng`` drives noise, ``clock`` ``+++``."""
        self.profile = profile
        self.rng = rng or random.Random(profile.seed)
        self.clock = clock
        self.faults = Faults()
        self.next_ref = 0
        """The next TP-MR the modem hands out (0..255, kept on the SIM across resets)."""
        self.power_on()

    def power_on(self) -> None:
        """Power cycle: settings to defaults, SIM locked again, faults cleared."""
        self.state = ModemState.power_on(self.profile)
        self.mode = Mode.COMMAND
        self.faults.clear()
        self._line = bytearray()
        self._pdu = bytearray()
        self._pdu_len = 0
        self._plus = 0
        self._last_data = self.clock()
        self._echo = bytearray()
        self._out: list[Step] = []

    # ---- input ---------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Step]:
        """Process received bytes; returns what to do, in order."""
        self._out = []
        if self.faults.wedged:
            return self._out
        for value in data:
            if self.mode is Mode.DATA:
                self._data_byte(value)
                continue
            if self.state.echo:
                self._echo.append(value)
            if self.mode is Mode.PROMPT:
                self._prompt_byte(value)
            else:
                self._command_byte(value)
        if self.mode is Mode.DATA and self._plus == 3:
            self._plus = 0
            self.mode = Mode.COMMAND
            self._finish(Reply())
        self._flush_echo()
        return self._out

    def _command_byte(self, value: int) -> None:
        if value == 0x0D:
            line = bytes(self._line)
            self._line.clear()
            self._run_line(line)
        elif value in (0x08, 0x7F):
            if self._line:
                self._line.pop()
        elif value != 0x0A and len(self._line) < MAX_LINE:
            self._line.append(value)

    def _prompt_byte(self, value: int) -> None:
        if value == CTRL_Z:
            self._submit()
        elif value == ESC:
            self.mode = Mode.COMMAND
            self._finish(Reply())
        elif value in (0x08, 0x7F):
            if self._pdu:
                self._pdu.pop()
        elif value not in b"\r\n \t" and len(self._pdu) < 4 * MAX_TPDU:
            self._pdu.append(value)

    def _data_byte(self, value: int) -> None:
        now = self.clock()
        guarded = now - self._last_data >= self.profile.escape_guard
        if value == ord("+") and self._plus < 3 and (self._plus or guarded):
            self._plus += 1
            return
        self._plus = 0
        self._last_data = now

    # ---- commands --------------------------------------------------------------------------

    def _run_line(self, raw: bytes) -> None:
        text = raw.decode("latin-1").strip()
        start = text.upper().find("AT")
        if start < 0:
            return  # like real modems: input that is no command line is ignored
        try:
            parsed = split_commands(text[start + 2 :])
        except ValueError:
            self._finish(Reply(final=ERROR))
            return
        total = Reply()
        for command in parsed:
            reply = commands.run(self.state, self.profile, command)
            total.lines += reply.lines
            total.before += reply.before
            total.after += reply.after
            total.final = reply.final
            if reply.prompt is not None:
                if total.lines or total.before:
                    self._finish(Reply(lines=total.lines, final=None, before=total.before))
                self._start_prompt(reply.prompt)
                return
            if reply.data_mode:
                self._finish(total)
                self.mode = Mode.DATA
                self._plus = 0
                self._last_data = self.clock()
                return
            if reply.failed:
                break
        self._finish(total)

    def _start_prompt(self, length: int) -> None:
        delay = self.faults.slow_prompt
        self.faults.slow_prompt = None
        if delay is None:
            delay = self.profile.prompt_delay
        if delay > 0:
            self._emit(Pause(delay))
        self._emit(Write(PROMPT))
        self.mode = Mode.PROMPT
        self._pdu.clear()
        self._pdu_len = length

    def _submit(self) -> None:
        self.mode = Mode.COMMAND
        pdu = self._pdu.decode("ascii", "replace")
        try:
            part = check_submit(pdu, self._pdu_len)
        except RejectedPdu:
            self._finish(Reply(final=cms_error(self.state.cmee, 304)))
            return
        if self.profile.send_delay > 0:
            self._emit(Pause(self.profile.send_delay))
        faults = self.faults
        if faults.cms_error_count > 0 and faults.cms_error_after > 0:
            faults.cms_error_after -= 1
        elif faults.cms_error_count > 0:
            faults.cms_error_count -= 1
            self._finish(Reply(final=cms_error(self.state.cmee, faults.cms_error_code)))
            return
        if faults.no_result:
            faults.no_result = False
            if faults.no_result_delivers:
                self._emit(Sent(part, self._take_ref(), pdu))
            return
        ref = self._take_ref()
        self._emit(Sent(part, ref, pdu))
        self._finish(Reply(lines=[f"+CMGS: {ref}"]))
        if part.status_report and self.state.ds == 1:
            report = status_report(ref, part.destination)
            self._emit(Later(self.profile.report_delay, report))

    def _take_ref(self) -> int:
        ref = self.next_ref
        self.next_ref = (ref + 1) % 256
        return ref

    # ---- output ----------------------------------------------------------------------------

    def _flush_echo(self) -> None:
        if self._echo:
            data = bytes(self._echo)
            self._echo.clear()
            self._emit(Write(data))

    def _emit(self, step: Step) -> None:
        if self._echo:
            self._flush_echo()
        last = self._out[-1] if self._out else None
        if isinstance(step, Write) and isinstance(last, Write):
            self._out[-1] = Write(last.data + step.data)
        else:
            self._out.append(step)

    def _finish(self, reply: Reply) -> None:
        """Frame a reply: info lines, [URC], [garbage], final, unsolicited lines after."""
        out = bytearray()
        for line in reply.lines + reply.before:
            out += frame(line)
        chance = self.profile.urc_in_reply
        if reply.lines and chance > 0 and self.rng.random() < chance:
            out += frame(self._urc_line(reply.lines))
        if reply.final is not None and self.faults.garbage_in_reply:
            out += garbage(self.rng, self.faults.garbage_in_reply)
            self.faults.garbage_in_reply = 0
        if reply.final is not None:
            out += frame(reply.final)
        for line in reply.after:
            out += frame(line)
        if out:
            self._emit(Write(bytes(out)))

    def _urc_line(self, avoid: Sequence[str] = ()) -> str:
        """A random unsolicited line whose prefix differs from the lines in ``avoid``."""
        choices = [
            t for t in URC_TEMPLATES if not any(a.startswith(t.split(":")[0]) for a in avoid)
        ]
        template = self.rng.choice(choices or URC_TEMPLATES)
        rssi = max(0, min(31, self.profile.signal + self.rng.randint(-2, 2)))
        return template.format(rssi=rssi, boot=self.rng.randrange(10**7, 10**8))

    # ---- outside events --------------------------------------------------------------------

    def unsolicited(self) -> bytes | None:
        """A random unsolicited line to send now, or ``None`` when the modem must stay quiet
        (wedged, waiting for a PDU, in data mode)."""
        if self.faults.wedged or self.mode is not Mode.COMMAND:
            return None
        return frame(self._urc_line())

    def carrier_lost(self) -> bytes | None:
        """When this port is in data mode but the call ended (hung up on another port or by
        the network): back to command mode, answering ``NO CARRIER``."""
        if self.mode is not Mode.DATA or self.state.in_call:
            return None
        self.mode = Mode.COMMAND
        self._plus = 0
        return frame("NO CARRIER")

    def inject(self, kind: str, **params: Any) -> bytes:
        """Arm a fault (see :class:`Faults`); returns bytes to write at once (garbage)."""
        was_wedged = self.faults.wedged
        now = self.faults.arm(kind, self.rng, **params)
        if was_wedged and not self.faults.wedged:
            self._line.clear()
        return now

    def clear_faults(self) -> None:
        """Disarm every fault; a wedged modem answers again."""
        if self.faults.wedged:
            self._line.clear()
        self.faults.clear()
