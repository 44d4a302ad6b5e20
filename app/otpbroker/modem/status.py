"""The status snapshot of one modem, and what its state means for routing (the states
themselves are listed in ``domain.modem_states``)."""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.domain.modem_states import STATE_REASONS
from otpbroker.domain.sim_state import sim_advice
from otpbroker.domain.sms_path import SmsPathVerdict
from otpbroker.modem.identity import ModemIdentity, NetworkStatus


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


__all__ = ["ModemStatus"]
