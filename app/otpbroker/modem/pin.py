"""Unlocking the SIM safely: read its state and tries, enter the PIN at most once.

``AT+CPIN?`` (3GPP TS 27.007 §8.3) tells the state; ``+CME ERROR: 10`` means no SIM,
``13`` a SIM failure. Before a PIN goes in, the tries left are read with the vendor's
command (``modem/vendors.py``); with fewer than ``MIN_PIN_TRIES`` it is not entered. A PIN
the SIM rejected (``+CME ERROR: 16``) is remembered by the caller and never entered again;
a PUK is never sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from otpbroker.domain.sim_state import MIN_PIN_TRIES, may_enter_pin
from otpbroker.modem.errors import CommandError, PinError
from otpbroker.modem.vendors import Ask, read_pin_tries

PIN_WRONG = 16
NO_SIM = 10
SIM_FAILURE = 13
At = Callable[..., list[str]]


class SimUnlocker:
    """The SIM side of a modem's initialisation."""

    def __init__(self, at: At, ask: Ask, vendor: str) -> None:
        """``at`` runs a command (raising on refusal), ``ask`` runs one that may be refused."""
        self._at = at
        self._ask = ask
        self._vendor = vendor
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

    def unlock(self, pin: str | None, rejected_pin: str | None = None) -> None:
        """Make the SIM ready or raise PinError with the state the modem stays in."""
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
        if pin == rejected_pin:
            raise PinError("pin_rejected", "the SIM rejected this PIN before; it is not tried "
                           "again", self.tries)  # fmt: skip
        if not may_enter_pin(self.tries):
            raise PinError("pin_low_tries", f"only {self.tries} PIN try left (fewer than "
                           f"{MIN_PIN_TRIES}): the PIN is not entered", self.tries)  # fmt: skip
        self._enter(pin)

    def _enter(self, pin: str) -> None:
        try:
            self._at(f'AT+CPIN="{pin}"', timeout=10.0)
        except CommandError as exc:
            if exc.code == PIN_WRONG:
                tries = None if self.tries is None else self.tries - 1
                self.tries = read_pin_tries(self._ask, self._vendor) if tries is None else tries
                raise PinError("pin_rejected", "the SIM rejected the configured PIN",
                               self.tries) from exc  # fmt: skip
            raise
        for _ in range(20):
            if self.state() == "READY":
                self.tries = None
                return
            time.sleep(0.25)
        raise PinError("pin_required", "the SIM did not become ready after the PIN")


__all__ = ["SimUnlocker"]
