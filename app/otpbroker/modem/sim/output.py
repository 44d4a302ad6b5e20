"""What a dialogue writes: echo, framed replies, unsolicited noise, as ordered steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .faults import garbage
from .results import Reply, frame
from .steps import Later, Pause, Step, Write

if TYPE_CHECKING:
    from .dialogue import Dialogue


class Output:
    """Collects the steps one :meth:`Dialogue.feed` call produces."""

    def __init__(self, dialogue: Dialogue) -> None:
        """Output of ``dialogue`` (read for its state, personality and faults)."""
        self.dialogue = dialogue
        self._out: list[Step] = []
        self._echo = bytearray()

    def reset(self) -> None:
        """Forget pending echo (power cycle)."""
        self._echo = bytearray()
        self._out = []

    def begin(self) -> list[Step]:
        """Start collecting the steps of one input chunk; returns the list being filled."""
        self._out = []
        return self._out

    def echo(self, value: int) -> None:
        """Echo one received byte (written before anything the modem answers)."""
        self._echo.append(value)

    def flush_echo(self) -> None:
        """Write pending echo now."""
        if self._echo:
            data = bytes(self._echo)
            self._echo.clear()
            self.emit(Write(data))

    def emit(self, step: Step) -> None:
        """Add a step (after pending echo); adjacent writes are joined."""
        if self._echo:
            self.flush_echo()
        last = self._out[-1] if self._out else None
        if isinstance(step, Write) and isinstance(last, Write):
            self._out[-1] = Write(last.data + step.data)
        else:
            self._out.append(step)

    def finish(self, reply: Reply) -> None:
        """Frame a reply: [busy time], [URC], info lines, [URC], [garbage], final, lines
        after (one unsolicited line at most, with ``profile.urc_in_reply`` odds)."""
        if reply.delay > 0:
            self.emit(Pause(reply.delay))
        faults = self.dialogue.faults
        lines = reply.lines + reply.before
        chance = self.dialogue.profile.urc_in_reply
        rng = self.dialogue.rng
        if reply.lines and chance > 0 and rng.random() < chance:
            noise = self._noise_line(reply.lines)
            if noise:  # right after the echo, or between the answer and its final
                lines = [noise, *lines] if rng.random() < 0.5 else [*lines, noise]
        out = bytearray(b"".join(frame(line) for line in lines))
        if reply.final is not None and faults.garbage_in_reply:
            out += garbage(self.dialogue.rng, faults.garbage_in_reply)
            faults.garbage_in_reply = 0
        if reply.final is not None:
            out += frame(reply.final)
        for line in reply.after:
            out += frame(line)
        if out:
            self.emit(Write(bytes(out)))

    def later_lines(self, seconds: float, lines: Sequence[str]) -> None:
        """Unsolicited lines ``seconds`` from now (the network answering later)."""
        if lines:
            self.emit(Later(seconds, self.framed(lines)))

    @staticmethod
    def framed(lines: Sequence[str]) -> bytes:
        """Lines framed as the modem writes them."""
        return b"".join(frame(line) for line in lines)

    def noise(self) -> bytes | None:
        """One random unsolicited line of the personality, if any kind is switched on."""
        line = self._noise_line()
        return frame(line) if line else None

    def _noise_line(self, avoid: Sequence[str] = ()) -> str | None:
        """A random enabled noise line whose prefix differs from the lines in ``avoid``."""
        dialogue = self.dialogue
        enabled = [n for n in dialogue.persona.noise if n.group in dialogue.state.noise]
        if not enabled:
            return None
        context = dialogue.context
        rng = dialogue.rng
        lines = [n.line(context, rng) for n in enabled]
        choices = [x for x in lines if not any(a.startswith(x.split(":")[0]) for a in avoid)]
        return rng.choice(choices or lines)
