"""The AT dialogue of one modem as a state machine: bytes in, steps (writes, pauses) out.

It knows no file descriptors, threads or clocks beyond an injectable ``clock``, so tests can
drive it directly; :class:`~otpbroker.modem.sim.device.SimModem` executes the steps on a pty.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from . import handlers
from .conditions import parse_conditions, shape_network
from .context import Context
from .faults import Faults
from .output import Output
from .personalities import personality
from .pin_faults import pin_fault_reply
from .profile import ModemProfile
from .results import ERROR, Reply
from .sending import judge
from .sms import MAX_TPDU, RejectedPdu, check_submit, status_report
from .state import ModemState, SimCard
from .steps import Later, Pause, Reboot, Sent, Step, Write
from .stuck import stuck_reply
from .syntax import Command, split_commands

CTRL_Z = 0x1A
ESC = 0x1B
MAX_LINE = 1024
PROMPT = b"\r\n> "


class Mode(Enum):
    """What incoming bytes are: command lines, a PDU after ``> ``, or data."""

    COMMAND = "command"
    PROMPT = "prompt"
    DATA = "data"


def _seeded(seed: int | None, offset: int) -> random.Random:
    return random.Random(None if seed is None else seed + offset)


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
        self.persona = personality(profile.personality)
        self.rng = rng or random.Random(profile.seed)
        self.net_rng = _seeded(profile.seed, 2)
        """The network's chance: send and USSD delays, transient failures."""
        self.clock = clock
        self.faults = Faults()
        self.next_ref = 0
        """The next TP-MR the modem hands out (0..255, kept on the SIM across resets)."""
        self.card = SimCard.for_profile(profile, self.persona.memories)
        self.network = shape_network(self.persona, parse_conditions(profile.conditions))
        if self.network.sim_condition is not None:
            self.card.apply(self.network.sim_condition, profile)
        self.output = Output(self)
        self.power_on()

    def power_on(self) -> None:
        """Power cycle: settings to defaults, SIM locked again, faults cleared."""
        persona = self.persona
        self.state = ModemState.power_on(
            self.profile, self.card, persona.default_charset, persona.noise_groups
        )
        self.state.cgsms = persona.default_cgsms
        if self.network.no_smsc:
            self.state.smsc = ""
        self.mode = Mode.COMMAND
        self.faults.clear()
        self._line = bytearray()
        self._pdu = bytearray()
        self._pdu_len = 0
        self._plus = 0
        self._last_data = self.clock()
        self.output.reset()

    @property
    def context(self) -> Context:
        """What the command handlers see."""
        return Context(self.state, self.profile, self.persona, self.network, self.net_rng)

    def set_conditions(self, conditions: str | Iterable[str]) -> None:
        """Put the modem under new network conditions (``ValueError`` if it cannot be)."""
        network = shape_network(self.persona, parse_conditions(conditions))
        if network.sim_condition != self.network.sim_condition:
            self.card.apply(network.sim_condition, self.profile)
        if network.no_smsc and self.state.smsc == self.profile.smsc:
            self.state.smsc = ""
        elif self.network.no_smsc and not network.no_smsc and not self.state.smsc:
            self.state.smsc = self.profile.smsc
        self.network = network

    def startup_lines(self) -> list[str]:
        """What the modem prints once powered on, given its SIM."""
        return self.persona.startup_lines(self.state.sim.value, self.state.sim_ready)

    # ---- input ---------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Step]:
        """Process received bytes; returns what to do, in order."""
        out = self.output.begin()
        if self.faults.wedged:
            return out
        for value in data:
            if self.mode is Mode.DATA:
                self._data_byte(value)
                continue
            if self.state.echo:
                self.output.echo(value)
            if self.mode is Mode.PROMPT:
                self._prompt_byte(value)
            else:
                self._command_byte(value)
        if self.mode is Mode.DATA and self._plus == 3:
            self._plus = 0
            self.mode = Mode.COMMAND
            self.output.finish(Reply())
        self.output.flush_echo()
        return out

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
            self.output.finish(Reply())
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
            self.output.finish(Reply(final=ERROR))
            return
        total = Reply()
        context = self.context
        for command in parsed:
            reply = (
                self._stuck(context, command)
                or pin_fault_reply(context, command, self.faults)
                or handlers.run(context, command)
            )
            self._merge(total, reply)
            if reply.prompt is not None:
                if total.lines or total.before:
                    self.output.finish(Reply(lines=total.lines, final=None, before=total.before))
                self._start_prompt(reply.prompt)
                return
            if reply.data_mode:
                self.output.finish(total)
                self.mode = Mode.DATA
                self._plus = 0
                self._last_data = self.clock()
                return
            if reply.failed:
                break
        self.output.finish(total)
        if total.reboot and not total.failed:
            self.output.emit(Reboot())

    def _stuck(self, context: Context, command: Command) -> Reply | None:
        """What a modem with the ``stuck`` fault answers instead, if anything."""
        if not self.faults.stuck:
            return None
        return stuck_reply(context, command, self.faults.stuck_code)

    def _merge(self, total: Reply, reply: Reply) -> None:
        """Add one command's reply to the line's reply (delays add up, lines queue)."""
        if reply.delay > 0:
            total.delay += reply.delay
        total.lines += reply.lines
        total.before += reply.before
        if reply.after and reply.after_delay > 0:
            self.output.later_lines(reply.after_delay, reply.after)
        else:
            total.after += reply.after
        total.final = reply.final
        total.reboot = total.reboot or reply.reboot

    def _start_prompt(self, length: int) -> None:
        delay = self.faults.slow_prompt
        self.faults.slow_prompt = None
        if delay is None:
            delay = self.profile.prompt_delay
        if delay > 0:
            self.output.emit(Pause(delay))
        self.output.emit(Write(PROMPT))
        self.mode = Mode.PROMPT
        self._pdu.clear()
        self._pdu_len = length

    def _submit(self) -> None:
        self.mode = Mode.COMMAND
        pdu = self._pdu.decode("ascii", "replace")
        context = self.context
        try:
            part = check_submit(pdu, self._pdu_len)
        except RejectedPdu:
            self.output.finish(context.cms(304))
            return
        verdict = judge(context, self.faults, pdu)
        if verdict.wait > 0:
            self.output.emit(Pause(verdict.wait))
        if not verdict.answer:
            if verdict.deliver:
                self.output.emit(Sent(part, self._take_ref(), pdu, verdict.wait))
            return
        if verdict.error is not None:
            self.output.finish(context.cms(verdict.error))
            return
        ref = self._take_ref()
        self.output.emit(Sent(part, ref, pdu, verdict.wait))
        self.output.finish(Reply(lines=[f"+CMGS: {ref}"]))
        if part.status_report and self.state.ds == 1:
            self._reports(ref, part.destination)

    def _reports(self, ref: int, destination: str) -> None:
        """The status reports of one part: a temporary one first when the network says so,
        then its one final report (delivered, or the failure the conditions set)."""
        network, delay = self.network, self.profile.report_delay
        if network.report_temporary is not None:
            temporary = status_report(ref, destination, status=network.report_temporary)
            self.output.emit(Later(delay, temporary))
            delay *= 2
        final = status_report(ref, destination, status=network.report_status)
        self.output.emit(Later(delay, final))

    def _take_ref(self) -> int:
        ref = self.next_ref
        self.next_ref = (ref + 1) % 256
        return ref

    # ---- outside events --------------------------------------------------------------------

    def unsolicited(self) -> bytes | None:
        """A random unsolicited line to send now, or ``None`` when the modem must stay quiet
        (wedged or hung, waiting for a PDU, in data mode, its noise switched off)."""
        if self.faults.silent or self.mode is not Mode.COMMAND:
            return None
        return self.output.noise()

    def carrier_lost(self) -> bytes | None:
        """When this port is in data mode but the call ended (hung up on another port or by
        the network): back to command mode, answering ``NO CARRIER``."""
        if self.mode is not Mode.DATA or self.state.in_call:
            return None
        self.mode = Mode.COMMAND
        self._plus = 0
        return self.output.framed(["NO CARRIER"])

    def inject(self, kind: str, **params: Any) -> bytes:
        """Arm a fault (see :class:`Faults`); returns bytes to write at once (garbage)."""
        was_wedged = self.faults.wedged
        now = self.faults.arm(kind, self.rng, **params)
        if was_wedged and not self.faults.wedged:
            self._line.clear()
        return now

    def clear_faults(self) -> None:
        """Disarm every fault; a wedged (or hung, or stuck) modem answers again."""
        if self.faults.wedged:
            self._line.clear()
        self.faults.clear()


__all__ = ["Dialogue", "Mode", "Write"]
