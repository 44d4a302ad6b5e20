"""The settings and SIM state of one emulated modem (reset on power cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .profile import ModemProfile


class SimStatus(Enum):
    """``AT+CPIN?`` answers."""

    READY = "READY"
    PIN = "SIM PIN"
    PUK = "SIM PUK"


@dataclass
class ModemState:
    """Everything AT commands change; :meth:`power_on` builds the state after power-up."""

    echo: bool = True
    cmee: int = 0
    cmgf: int = 0
    cscs: str = "GSM"
    cnmi: tuple[int, ...] = (0, 0, 0, 0, 0)
    creg: int = 0
    cmms: int = 0
    cusd: int = 0
    cfun: int = 1
    smsc: str = ""
    sim: SimStatus = SimStatus.READY
    pin: str | None = None
    attempts_left: int = 3
    in_call: bool = False
    contexts: dict[int, str] = field(default_factory=dict)
    """PDP contexts set with ``AT+CGDCONT``: context id -> APN."""

    @classmethod
    def power_on(cls, profile: ModemProfile) -> ModemState:
        """The state right after power-up: echo on, SIM locked when a PIN is set."""
        return cls(
            smsc=profile.smsc,
            sim=SimStatus.PIN if profile.pin else SimStatus.READY,
            pin=profile.pin,
            attempts_left=profile.pin_attempts,
        )

    def factory_reset(self) -> None:
        """``ATZ`` / ``AT&F``: command settings back to defaults (the SIM stays as it is)."""
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cscs = "GSM"
        self.cnmi = (0, 0, 0, 0, 0)
        self.creg = 0
        self.cmms = 0

    @property
    def ds(self) -> int:
        """The ``<ds>`` of ``AT+CNMI``: 1 = status reports as ``+CDS``."""
        return self.cnmi[3] if len(self.cnmi) > 3 else 0

    @property
    def sim_ready(self) -> bool:
        """True when SIM commands may run."""
        return self.sim is SimStatus.READY

    def sim_cme(self) -> int:
        """The ``+CME ERROR`` code for a SIM command while locked (11 or 12)."""
        return 12 if self.sim is SimStatus.PUK else 11

    def sim_cms(self) -> int:
        """The ``+CMS ERROR`` code for an SMS command while locked (311 or 316)."""
        return 316 if self.sim is SimStatus.PUK else 311
