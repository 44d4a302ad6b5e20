"""The recovery ladder of a modem that stopped answering, and its start-up after a reboot.

A modem that answered before and now does not goes down the ladder, one rung after
``reopen_attempts`` failed re-opens (port closed and opened again, full initialisation):

1. re-open and re-initialise;
2. reboot it with ``AT+CFUN=1,1`` (3GPP TS 27.007 §8.2: full functionality with a reset);
   the USB port drops and comes back, and the modem prints its start-up lines (``RDY``,
   ``+CPIN: READY``, ``SMS DONE``/``PB DONE`` on Quectel, ``SMS Ready`` on SIM800) once it
   is usable again;
3. reset its USB port through the privileged helper (when the device has one);
4. give up: the modem is ``dead`` until it is replugged or the administrator retries.

The ladder only counts; ``ladder_steps.Recovery`` takes the rungs for the worker.
"""

from __future__ import annotations

import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from otpbroker.modem.at import AtChannel, Urc
from otpbroker.modem.errors import ModemError
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError

log = logging.getLogger(__name__)

#: Start-up lines after which a modem takes SMS commands (upper case, matched as prefixes).
BOOT_DONE = ("SMS DONE", "+QIND: SMS DONE", "PB DONE", "+QIND: PB DONE", "SMS READY",
             "CALL READY")  # fmt: skip
REBOOT_COMMAND = "AT+CFUN=1,1"
Pause = Callable[[float], bool]
"""Waits so many seconds; False when the wait must end early (the worker is stopping, or
has new settings)."""


@dataclass(frozen=True)
class RecoveryPolicy:
    """How patient the ladder is (seconds)."""

    reopen_attempts: int = 3
    drop_wait: float = 5.0
    """How long a rebooted or reset modem may take to drop its port (it may not)."""
    return_wait: float = 60.0
    """How long it may take for the port to come back."""
    boot_wait: float = 20.0
    """The longest wait for the start-up lines once the port is back."""
    boot_quiet: float = 1.0
    """Silence after a start-up line that also ends the wait."""
    boot_first_line: float = 2.0
    """No line at all within this time: the modem prints none; go on."""


class Rung(enum.Enum):
    """What to do after a failed re-open."""

    RETRY = "retry"
    REBOOT = "reboot"
    USB_RESET = "usb_reset"
    DEAD = "dead"


_STAGES = (Rung.RETRY, Rung.REBOOT, Rung.USB_RESET, Rung.DEAD)
_TEXT = {
    Rung.RETRY: "re-opening its port",
    Rung.REBOOT: "rebooted it (AT+CFUN=1,1)",
    Rung.USB_RESET: "reset its USB port",
    Rung.DEAD: "gave up",
}


class RecoveryLadder:
    """Counts failed re-opens of one modem and says which rung comes next."""

    def __init__(self, policy: RecoveryPolicy, *, usb_reset: bool) -> None:
        self.policy = policy
        self._stages = [s for s in _STAGES if usb_reset or s is not Rung.USB_RESET]
        self._stage = 0
        self._failures = 0

    @property
    def climbing(self) -> bool:
        """True once a re-open failed and until one succeeds or the ladder is reset."""
        return self._stage > 0 or self._failures > 0

    @property
    def dead(self) -> bool:
        """True at the last rung."""
        return self._stages[self._stage] is Rung.DEAD

    def failed(self) -> Rung:
        """One more failed re-open: the rung to take now."""
        if self.dead:
            return Rung.DEAD
        self._failures += 1
        if self._failures < self.policy.reopen_attempts:
            return Rung.RETRY
        self._stage += 1
        self._failures = 0
        return self._stages[self._stage]

    def reset(self) -> None:
        """It answered again, or it was replugged, or the administrator retries: start over."""
        self._stage = 0
        self._failures = 0

    def describe(self) -> str:
        """Where the ladder stands, for the modem's status."""
        done = ", ".join(_TEXT[s] for s in self._stages[1 : self._stage + 1])
        attempt = f"re-open {self._failures + 1} of {self.policy.reopen_attempts}"
        if self.dead:
            return f"not answering: {done}"
        return f"not answering: {done + '; ' if done else ''}{attempt}"


def send_reboot(settings: SerialSettings, name: str) -> bool:
    """Open the port and write ``AT+CFUN=1,1`` without waiting for an answer (a wedged
    modem may still act on it); False when the port could not even be written."""
    transport = SerialTransport(settings)
    try:
        transport.open()
        AtChannel(transport, name=name).write_line(REBOOT_COMMAND)
        return True
    except (ModemError, TransportError) as exc:
        log.warning("%s: reboot command not sent: %s", name, exc)
        return False
    finally:
        transport.close()


def await_port_cycle(port: Callable[[], str], pause: Pause, policy: RecoveryPolicy) -> bool:
    """After a reboot or USB reset: wait for the port to drop (it may not), then to return.

    ``port`` gives the path (it may change meanwhile); ``pause(seconds)`` waits and returns
    False when the wait must end early (stopping, reconfigured). True when the port is there.
    """
    end = time.monotonic() + policy.drop_wait
    while os.path.exists(port()) and time.monotonic() < end:
        if not pause(0.1):
            return os.path.exists(port())
    end = time.monotonic() + policy.return_wait
    while not os.path.exists(port()) and time.monotonic() < end:
        if not pause(0.1):
            break
    return os.path.exists(port())


def await_startup(
    channel: AtChannel, policy: RecoveryPolicy, stop: Callable[[], bool] = lambda: False
) -> list[str]:
    """Read the start-up lines of a modem that just came back; return them.

    Ends at a line saying SMS is ready, after ``boot_quiet`` of silence following any
    line, when no line came within ``boot_first_line``, after ``boot_wait``, or as soon as
    ``stop()`` says so (the worker is stopping).
    """
    seen: list[str] = []
    previous = channel.on_urc

    def collect(urc: Urc) -> None:
        seen.append(urc.line)

    channel.on_urc = collect
    started = last = time.monotonic()
    try:
        while (now := time.monotonic()) - started < policy.boot_wait and not stop():
            count = len(seen)
            channel.poll(0.05)
            if len(seen) != count:
                last = time.monotonic()
            if any(line.upper().startswith(BOOT_DONE) for line in seen):
                break
            if not seen and now - started >= policy.boot_first_line:
                break
            if seen and now - last >= policy.boot_quiet:
                break
    finally:
        channel.on_urc = previous
    return seen


__all__ = [
    "BOOT_DONE",
    "REBOOT_COMMAND",
    "Pause",
    "RecoveryLadder",
    "RecoveryPolicy",
    "Rung",
    "await_port_cycle",
    "await_startup",
    "send_reboot",
]
