"""The recovery of a modem that stopped answering, as an object its owner thread keeps.

``Recovery`` owns what the ladder needs to remember (``recovery.RecoveryLadder``: which
rung comes next; whether the modem ever answered; whether the next connection must first
await start-up lines; until when hot-plug events are the echo of our own reboot or reset)
and takes the rungs: reboot with ``AT+CFUN=1,1``, reset the USB port, give up (``dead``).
It reaches its worker only through the few callables it is given: the serial settings in
force, an interruptible pause, a status update, and "fail the waiting jobs".

Besides silence, a *stuck* modem climbs the ladder too: one that still answers ``AT`` but
whose SIM stays busy (``+CME ERROR: 14``/``515`` through the whole busy back-off, on
``AT+CPIN?``), as field reports describe SIM and SMS stacks that hang until the modem is
restarted. A send answered "SIM busy" (or not classified) makes the worker ask ``AT+CPIN?``
at once (``sim_stays_busy``); a SIM still busy then closes the port, and the re-opens that
follow fail the same way until the reboot rung cures it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from otpbroker.domain.send_errors import needs_diagnosis
from otpbroker.modem.errors import CommandError, ModemError
from otpbroker.modem.gsm import BUSY_CODES, GsmModem
from otpbroker.modem.recovery import (
    Pause,
    RecoveryLadder,
    RecoveryPolicy,
    Rung,
    await_port_cycle,
    send_reboot,
)
from otpbroker.modem.transport import SerialSettings, TransportError

log = logging.getLogger("otpbroker.modem.worker")

ResetUsb = Callable[[str, Pause], bool]
"""Resets the USB device behind a serial port path, waiting for it with the pause given;
True when it was reset."""
SIM_BUSY_ERRORS = frozenset({"CMS314", "CME14", "CME515"})
"""Send errors saying the SIM (or the modem) is busy: worth asking whether it is stuck."""
CLIMBING_FAILURES = ("no_answer", "stuck")
"""Connection failures of a modem that answered before which take the next rung."""


def stuck(exc: Exception) -> bool:
    """True for an error that says the SIM stayed busy through the busy back-off."""
    return isinstance(exc, CommandError) and exc.code in BUSY_CODES


def sim_stays_busy(modem: GsmModem, error_code: str | None) -> str | None:
    """After a send the modem called busy, or could not classify: why the port must be
    closed now (the SIM stays busy, or the modem stopped answering), None when it need not."""
    if error_code not in SIM_BUSY_ERRORS and not needs_diagnosis(error_code):
        return None
    try:
        modem.at("AT+CPIN?", expect="+CPIN:")  # busy codes are retried with a back-off
    except CommandError as exc:
        return f"the SIM stays busy ({exc})" if stuck(exc) else None
    except (ModemError, TransportError) as exc:
        return f"modem stopped answering: {exc}"
    return None


class Recovery:
    """The recovery ladder of one modem and the rungs it takes (owner thread only)."""

    def __init__(
        self,
        modem_id: str,
        policy: RecoveryPolicy,
        reset_usb: ResetUsb | None,
        *,
        settings: Callable[[], SerialSettings],
        pause: Pause,
        report: Callable[..., object],
        fail_pending: Callable[[], None],
    ) -> None:
        """``settings`` gives the serial settings in force (the port may change meanwhile),
        ``pause(seconds)`` waits and answers False when the wait must end (stopping, new
        settings), ``report(**changes)`` updates the modem's status, ``fail_pending`` fails
        the jobs waiting for the modem (another modem takes them)."""
        self.modem_id = modem_id
        self.ladder = RecoveryLadder(policy, usb_reset=reset_usb is not None)
        self._reset_usb = reset_usb
        self._settings = settings
        self._pause = pause
        self._report = report
        self._fail_pending = fail_pending
        self._answered = False  # it was ready once: silence from now on climbs the ladder
        self._booting = False  # the next connection first awaits the start-up lines
        self._own_cycle_until = 0.0  # hot-plug events of our own reboot/reset restart nothing

    @property
    def policy(self) -> RecoveryPolicy:
        """How patient the ladder is."""
        return self.ladder.policy

    @property
    def climbing(self) -> bool:
        """True once a re-open failed, until one succeeds or the ladder starts over."""
        return self.ladder.climbing

    def ready(self) -> None:
        """The modem answered and is initialised: silence from now on climbs the ladder,
        and it starts from the bottom."""
        self._answered = True
        self.ladder.reset()

    def start_over(self) -> None:
        """Replugged, new settings, or the administrator's retry: the bottom rung again."""
        self.ladder.reset()

    def own_cycle(self) -> bool:
        """True while our own reboot or USB reset plays out (its hot-plug events are ours)."""
        return time.monotonic() < self._own_cycle_until

    def take_boot(self) -> bool:
        """True once after our reboot or reset: the next connection awaits start-up lines."""
        booting, self._booting = self._booting, False
        return booting

    def climbs(self, failure: str) -> bool:
        """True when a failed connection (``worker._connect``'s kind) takes the next rung:
        the modem answered before and is now silent or stuck, or its port is still gone
        while the ladder is under way."""
        if not self._answered:
            return False
        return failure in CLIMBING_FAILURES or (failure == "no_port" and self.climbing)

    def climb(self) -> Rung:
        """One more failed re-open: take the rung it leads to (the worker backs off after a
        ``RETRY`` as after any failed connection)."""
        rung = self.ladder.failed()
        if rung is Rung.DEAD:
            self._give_up()
            return rung
        self._report(state="recovering", recovery=self.ladder.describe())
        self._fail_pending()
        if rung is Rung.REBOOT:
            self._reboot()
        elif rung is Rung.USB_RESET:
            self._usb_reset()
        return rung

    def _reboot(self) -> None:
        log.warning("modem %s does not answer: rebooting it (AT+CFUN=1,1)", self.modem_id)
        if send_reboot(self._settings(), f"modem {self.modem_id}"):
            self._await_cycle()

    def _usb_reset(self) -> None:
        log.warning("modem %s does not answer: resetting its USB port", self.modem_id)
        assert self._reset_usb is not None
        try:
            done = bool(self._reset_usb(self._settings().port, self._pause))
        except Exception:  # a failing helper must not end the owner thread
            log.exception("modem %s: USB reset failed", self.modem_id)
            done = False
        if done:
            self._await_cycle()
        else:
            log.error("modem %s: its USB port could not be reset", self.modem_id)

    def _await_cycle(self) -> None:
        """Our own reboot or reset: wait for the port to come back; its start-up lines are
        awaited by the next connection."""
        policy = self.policy
        self._own_cycle_until = time.monotonic() + policy.drop_wait + policy.return_wait + 10
        self._booting = True
        await_port_cycle(lambda: self._settings().port, self._pause, policy)

    def _give_up(self) -> None:
        text = self.ladder.describe()
        log.error("modem %s is dead (%s); replug it or retry from the admin", self.modem_id, text)
        self._report(state="dead", recovery=text, last_error=f"dead: {text}")
        self._fail_pending()


__all__ = ["SIM_BUSY_ERRORS", "Recovery", "ResetUsb", "sim_stays_busy", "stuck"]
