"""The rungs of the recovery ladder as a modem's owner thread takes them.

A part of ``ModemWorker`` (its base class), kept apart so that each file stays readable:
the ladder itself and its waits are in ``recovery.py``.

Besides silence, a *stuck* modem climbs the ladder too: one that still answers ``AT`` but
whose SIM stays busy (``+CME ERROR: 14``/``515`` through the whole busy back-off, on
``AT+CPIN?``), as field reports describe SIM and SMS stacks that hang until the modem is
restarted. A send answered "SIM busy" (or not classified) makes the worker ask ``AT+CPIN?``
at once; a SIM still busy then closes the port, and the re-opens that follow fail the same
way until the reboot rung cures it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from otpbroker.domain.send_errors import needs_diagnosis
from otpbroker.modem.errors import CommandError, ModemError
from otpbroker.modem.gsm import BUSY_CODES
from otpbroker.modem.recovery import Pause, Rung, await_port_cycle, send_reboot
from otpbroker.modem.transport import TransportError

if TYPE_CHECKING:
    from otpbroker.modem.gsm import GsmModem
    from otpbroker.modem.worker import ModemWorker

log = logging.getLogger("otpbroker.modem.worker")

ResetUsb = Callable[[str, Pause], bool]
"""Resets the USB device behind a serial port path, waiting for it with the pause given;
True when it was reset."""
SIM_BUSY_ERRORS = frozenset({"CMS314", "CME14", "CME515"})
"""Send errors saying the SIM (or the modem) is busy: worth asking whether it is stuck."""


def stuck(exc: Exception) -> bool:
    """True for an error that says the SIM stayed busy through the busy back-off."""
    return isinstance(exc, CommandError) and exc.code in BUSY_CODES


class LadderSteps:
    """What a worker does on each rung (runs on its owner thread only)."""

    def _climb(self: ModemWorker, attempt: int) -> int:
        """Take the next rung of the recovery ladder."""
        rung = self._ladder.failed()
        if rung is Rung.DEAD:
            self._give_up()
            return 0
        self._set(state="recovering", recovery=self._ladder.describe())
        self._fail_pending()
        if rung is Rung.RETRY:
            self._sleep(self._delays[min(attempt, len(self._delays) - 1)])
            return attempt + 1
        if rung is Rung.REBOOT:
            self._reboot()
        else:
            self._usb_reset()
        return 0

    def _reboot(self: ModemWorker) -> None:
        log.warning("modem %s does not answer: rebooting it (AT+CFUN=1,1)", self.modem_id)
        if send_reboot(self._settings, f"modem {self.modem_id}"):
            self._await_cycle()

    def _usb_reset(self: ModemWorker) -> None:
        log.warning("modem %s does not answer: resetting its USB port", self.modem_id)
        assert self._reset_usb is not None
        try:
            done = bool(self._reset_usb(self._settings.port, self._pause))
        except Exception:  # a failing helper must not end the owner thread
            log.exception("modem %s: USB reset failed", self.modem_id)
            done = False
        if done:
            self._await_cycle()
        else:
            log.error("modem %s: its USB port could not be reset", self.modem_id)

    def _await_cycle(self: ModemWorker) -> None:
        """Our own reboot or reset: wait for the port to come back; its start-up lines are
        awaited by the next connection."""
        policy = self._ladder.policy
        self._own_cycle_until = time.monotonic() + policy.drop_wait + policy.return_wait + 10
        self._booting = True
        await_port_cycle(lambda: self._settings.port, self._pause, policy)

    def _pause(self: ModemWorker, seconds: float) -> bool:
        """Sleep; False when something asks the owner thread to act (stop, new settings)."""
        self._sleep(seconds)
        with self._lock:
            return not (self._stopping.is_set() or self._reconfigure or self._recover)

    def _check_sim(self: ModemWorker, modem: GsmModem, error_code: str | None) -> None:
        """After a send the modem called busy, or could not classify: a SIM that stays busy
        now is stuck, so the port is closed (re-opens then fail and climb the ladder)."""
        if error_code not in SIM_BUSY_ERRORS and not needs_diagnosis(error_code):
            return
        try:
            modem.at("AT+CPIN?", expect="+CPIN:")  # busy codes are retried with a back-off
        except CommandError as exc:
            if stuck(exc):
                self._disconnect(f"the SIM stays busy ({exc})")
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")

    def _give_up(self: ModemWorker) -> None:
        text = self._ladder.describe()
        log.error("modem %s is dead (%s); replug it or retry from the admin", self.modem_id, text)
        self._set(state="dead", recovery=text, last_error=f"dead: {text}")
        self._fail_pending()


__all__ = ["SIM_BUSY_ERRORS", "LadderSteps", "ResetUsb", "stuck"]
