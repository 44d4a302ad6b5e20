"""The status snapshot of one modem, what its state means for routing (the states
themselves are listed in ``domain.modem_states``), and its keeper."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypedDict, Unpack

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.modem_states import STATE_REASONS
from otpbroker.domain.routing import Words
from otpbroker.domain.sim_state import MIN_PIN_TRIES, PIN_STATES, SIM_STATES, sim_advice
from otpbroker.domain.sms_path import REASONS, ROAMING_NOTE, WEAK_NOTE, SmsPath, SmsPathVerdict
from otpbroker.i18n.translate import N_
from otpbroker.modem.identity import ModemIdentity, NetworkStatus

log = logging.getLogger("otpbroker.modem.worker")


@dataclass(frozen=True)
class ModemStatus:
    """A snapshot of one modem for the monitor, the router and ``/metrics``."""

    modem_id: str
    port: str
    state: str = "disconnected"
    identity: ModemIdentity = ModemIdentity()
    network: NetworkStatus = NetworkStatus()
    last_error: str | None = None
    last_error_code: str | None = None
    connected_since: float | None = None
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    cmms: bool = False
    vendor: str | None = None
    sms_path: SmsPathVerdict | None = None
    pin_tries: int | None = None
    recovery: str | None = None
    """Where the recovery ladder stands while it is ``recovering`` or ``dead``."""

    @property
    def connected(self) -> bool:
        """True when the modem is initialised and can send."""
        return self.state == "ready"

    @property
    def routable(self) -> bool:
        """True when routing may use it: ready, and not known to lack an SMS path."""
        return self.connected and (self.sms_path is None or self.sms_path.available is not False)

    @property
    def out_of_routing(self) -> tuple[str | None, str]:
        """``(reason code, reason text)`` when it cannot be routed to, ``(None, "")`` else."""
        if self.connected:
            if self.routable or self.sms_path is None:
                return None, ""
            return "no_sms_path", f"no SMS path: {self.sms_path.reason}"
        reason = STATE_REASONS.get(self.state, "disconnected")
        advice = sim_advice(self.state, self.pin_tries)
        if advice:
            return reason, advice
        if self.state in ("recovering", "dead") and self.recovery:
            return reason, self.recovery
        return reason, self.last_error or self.state

    @property
    def out_of_routing_words(self) -> tuple[Words, ...]:
        """The reason text of ``out_of_routing`` as sentences to translate where shown; ()
        when it is the modem's own words (its last error, its recovery)."""
        verdict = self.sms_path
        if self.connected:
            if self.routable or verdict is None or verdict.code not in REASONS:
                return ()
            words = [
                Words(N_("no SMS path: {reason}"), messages=(("reason", REASONS[verdict.code]),))
            ]
            if verdict.roaming and verdict.path is not SmsPath.NONE:
                words.append(Words(ROAMING_NOTE))
            if verdict.weak_signal:
                words.append(Words(WEAK_NOTE))
            return tuple(words)
        if self.state not in SIM_STATES:
            return ()
        advice = Words(SIM_STATES[self.state], values=(("min", MIN_PIN_TRIES),))
        if self.pin_tries is None or self.state not in PIN_STATES:
            return (advice,)
        tries = Words(
            N_("PIN tries left: {count}."), values=(("count", self.pin_tries),), before=" "
        )
        return advice, tries


StatusListener = Callable[[ModemStatus], None]


class StatusChange(TypedDict, total=False):
    """The fields of ModemStatus that ``StatusKeeper.set`` changes (all but the id)."""

    port: str
    state: str
    identity: ModemIdentity
    network: NetworkStatus
    last_error: str | None
    last_error_code: str | None
    connected_since: float | None
    sent: int
    failed: int
    unknown: int
    cmms: bool
    vendor: str | None
    sms_path: SmsPathVerdict | None
    pin_tries: int | None
    recovery: str | None


class StatusKeeper:
    """One modem's status: an immutable snapshot its owner thread swaps for a new one on a
    real change, and hands to a listener. Reading it from any thread costs nothing."""

    def __init__(self, modem_id: str, port: str, listener: StatusListener | None = None) -> None:
        self.now = ModemStatus(modem_id=modem_id, port=port)
        """The current snapshot."""
        self.listener = listener
        """Told every change (and each ``tell``)."""

    def set(self, **changes: Unpack[StatusChange]) -> bool:
        """Change the status and tell the listener; nothing happens (and False comes back)
        when every value is the same already, e.g. after unsolicited noise that changes
        nothing (ZTE's ``+ZPASR`` cannot be switched off)."""
        current = self.now
        if all(getattr(current, name) == value for name, value in changes.items()):
            return False
        self.now = replace(current, **changes)
        self.tell()
        return True

    def tell(self) -> None:
        """Hand the current snapshot to the listener (a failing listener is logged)."""
        listener = self.listener
        if listener is not None:
            try:
                listener(self.now)
            except Exception:
                log.exception("modem %s: status listener failed", self.now.modem_id)

    def note_error(self, error: str, code: str | None = None) -> None:
        """Record the last error (logged only when it differs from the one before)."""
        if error != self.now.last_error:
            log.error("modem %s: %s", self.now.modem_id, error)
        self.set(last_error=error, last_error_code=code)

    def count(self, outcome: SendOutcome) -> None:
        """One more sent, failed or unknown message (nobody is told: no change of state)."""
        counter = {SendOutcome.SENT: "sent", SendOutcome.FAILED: "failed"}.get(outcome, "unknown")
        self.now = replace(self.now, **{counter: getattr(self.now, counter) + 1})


__all__ = ["ModemStatus", "StatusKeeper", "StatusListener"]
