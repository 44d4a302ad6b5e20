"""Unlocking the SIM safely: read its state and tries, enter the PIN at most once.

``AT+CPIN?`` (3GPP TS 27.007 §8.3) tells the state; ``+CME ERROR: 10`` means no SIM,
``13`` a SIM failure. Before a PIN goes in, the tries left are read with the vendor's
command (``modem/vendors.py``); with fewer than ``MIN_PIN_TRIES`` it is not entered.

``AT+CPIN=<pin>`` is written exactly once (never retried, not even on "busy"). Anything but
``OK`` raises a ``PinError``: ``+CME ERROR: 16`` is a rejected PIN (``pin_rejected``);
any other answer (a plain ``ERROR`` from a modem that ignores ``AT+CMEE=1``, another code)
or none at all (a time-out, the port gone) leaves it unknown whether the PIN cost a try
(``pin_unconfirmed``). The caller remembers such a PIN (``RefusedPin``) and this unlocker
never enters it again; a PUK is never sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from otpbroker.domain.sim_state import MIN_PIN_TRIES, may_enter_pin
from otpbroker.modem.at import AtChannel
from otpbroker.modem.errors import CommandError, ModemError, PinError
from otpbroker.modem.vendors import Ask, read_pin_tries

PIN_WRONG = 16
NO_SIM = 10
SIM_FAILURE = 13
At = Callable[..., list[str]]
REFUSED_AGAIN = {
    "pin_rejected": "the SIM rejected this PIN before; it is not tried again",
    "pin_unconfirmed": "the modem did not confirm this PIN before; it is not entered again",
}


@dataclass(frozen=True)
class RefusedPin:
    """A PIN that must not be entered again, and the state it left the modem in
    (``pin_rejected`` or ``pin_unconfirmed``)."""

    pin: str
    state: str


class SimUnlocker:
    """The SIM side of a modem's initialisation."""

    def __init__(
        self, at: At, ask: Ask, vendor: str, channel: AtChannel, *, pin_timeout: float = 10.0
    ) -> None:
        """``at`` runs a command (raising on refusal, retrying while busy), ``ask`` runs one
        that may be refused; the PIN itself goes through ``channel`` once, answered within
        ``pin_timeout`` seconds."""
        self._at = at
        self._ask = ask
        self._vendor = vendor
        self._channel = channel
        self._pin_timeout = pin_timeout
        self.tries: int | None = None

    def state(self) -> str:
        """The ``AT+CPIN?`` state (``READY``, ``SIM PIN``, ``SIM PUK``...); PinError for no SIM."""
        try:
            lines = self._at("AT+CPIN?", expect="+CPIN:")
        except CommandError as exc:
            if exc.code == NO_SIM:
                raise PinError("no_sim", "no SIM card inserted") from exc
            if exc.code == SIM_FAILURE:
                raise PinError("sim_error", "the SIM does not work (SIM failure)") from exc
            raise
        for line in lines:
            if line.upper().startswith("+CPIN:"):
                return line.split(":", 1)[1].strip().strip('"').upper()
        return "READY" if not lines else lines[-1].strip().upper()

    def unlock(self, pin: str | None, refused: RefusedPin | None = None) -> None:
        """Make the SIM ready or raise PinError with the state the modem stays in.

        ``refused``: a PIN this SIM rejected or did not confirm before, never entered again.
        """
        state = self.state()
        if state == "READY":
            return
        if state in ("SIM PUK", "SIM PUK2"):
            raise PinError("puk_required", "the SIM is blocked and needs its PUK")
        if state != "SIM PIN":
            raise PinError("sim_error", f"unexpected SIM state {state!r}")
        self.tries = read_pin_tries(self._ask, self._vendor)
        if not pin:
            raise PinError("pin_required", "the SIM needs a PIN and none is configured",
                           self.tries)  # fmt: skip
        if refused is not None and pin == refused.pin:
            raise PinError(refused.state, REFUSED_AGAIN[refused.state], self.tries)
        if not may_enter_pin(self.tries):
            raise PinError("pin_low_tries", f"only {self.tries} PIN try left (fewer than "
                           f"{MIN_PIN_TRIES}): the PIN is not entered", self.tries)  # fmt: skip
        self._enter(pin)
        self._await_ready()

    def _enter(self, pin: str) -> None:
        """Write the PIN once; PinError for anything but ``OK``."""
        if self._channel.needs_resync:
            self._channel.resync()  # nothing is written yet: a failure here is ordinary
        try:
            self._channel.command(f'AT+CPIN="{pin}"', timeout=self._pin_timeout)
        except CommandError as exc:
            self.tries = self._tries_after(exc)
            if exc.code == PIN_WRONG:
                raise PinError("pin_rejected", "the SIM rejected the configured PIN",
                               self.tries) from exc  # fmt: skip
            raise PinError("pin_unconfirmed", f"the modem answered the PIN with {exc.final!r}, "
                           "not OK: it is not entered again", self.tries) from exc  # fmt: skip
        except ModemError as exc:  # no answer, or the port went away, after the PIN went out
            self.tries = None
            raise PinError("pin_unconfirmed", f"the modem did not answer the PIN ({exc}): it "
                           "is not entered again") from exc  # fmt: skip

    def _tries_after(self, error: CommandError) -> int | None:
        """The tries left after the modem answered the PIN with an error."""
        if error.code == PIN_WRONG and self.tries is not None:
            return self.tries - 1
        return read_pin_tries(self._ask, self._vendor)

    def _await_ready(self) -> None:
        """The PIN was accepted: wait for the SIM to say it is ready."""
        for _ in range(20):
            if self.state() == "READY":
                self.tries = None
                return
            time.sleep(0.25)
        raise PinError("pin_required", "the SIM did not become ready after the PIN")


__all__ = ["REFUSED_AGAIN", "RefusedPin", "SimUnlocker"]
