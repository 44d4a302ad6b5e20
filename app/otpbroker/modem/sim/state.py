"""The SIM card (kept across power cycles) and the settings AT commands change (reset on
power-up)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from .conditions import Condition
from .profile import ModemProfile
from .store import SmsStore

DEFAULT_PIN = "1234"
"""The PIN a ``pin`` / ``puk`` condition locks the SIM with when the profile names none."""
PUK_TRIES = 10


class SimStatus(Enum):
    """``AT+CPIN?`` answers (``ABSENT`` is answered with ``+CME ERROR: 10``)."""

    READY = "READY"
    PIN = "SIM PIN"
    PUK = "SIM PUK"
    ABSENT = "NOT INSERTED"


@dataclass
class SimCard:
    """The SIM: its PIN lock and retry counters, which survive power cycles like a real
    card's, and its message store."""

    store: SmsStore
    pin: str | None = None
    """The PIN when the lock is enabled; ``None``: no PIN asked."""
    puk: str = "12345678"
    max_pin_tries: int = 3
    pin_tries: int = 3
    puk_tries: int = PUK_TRIES
    present: bool = True
    unlocked: bool = False
    """The PIN was entered since the last power-up."""
    pin_entries: int = 0
    """How many times a PIN was typed at the modem (``AT+CPIN=<pin>``), answered or not."""

    @classmethod
    def for_profile(cls, profile: ModemProfile, capacities: Mapping[str, int]) -> SimCard:
        """The card ``profile`` describes, with its store seeded."""
        store = SmsStore(capacities)
        store.seed(profile.inbox, profile.smsc)
        tries = profile.pin_attempts
        return cls(store, profile.pin, profile.puk, tries, tries)

    @property
    def status(self) -> SimStatus:
        """What ``AT+CPIN?`` reports now."""
        if not self.present:
            return SimStatus.ABSENT
        if self.pin is not None and self.pin_tries <= 0:
            return SimStatus.PUK
        if self.pin is not None and not self.unlocked:
            return SimStatus.PIN
        return SimStatus.READY

    def power_on(self) -> None:
        """A power cycle locks the SIM again (its counters stay)."""
        self.unlocked = False

    def apply(self, condition: Condition | None, profile: ModemProfile) -> None:
        """Swap in the SIM a ``pin``/``puk``/``no-sim`` condition describes (or the
        profile's own SIM when ``condition`` is ``None``)."""
        self.present = True
        self.unlocked = False
        self.pin = profile.pin
        self.pin_tries = self.max_pin_tries = profile.pin_attempts
        self.puk_tries = PUK_TRIES
        if condition is None:
            return
        if condition.name == "no-sim":
            self.present = False
        elif condition.name == "pin":
            self.pin = profile.pin or DEFAULT_PIN
            self.pin_tries = int(condition.amount)
        elif condition.name == "puk":
            self.pin = profile.pin or DEFAULT_PIN
            self.pin_tries = 0
            self.puk_tries = int(condition.amount)

    def enter_pin(self, pin: str) -> bool:
        """Try the PIN; a wrong one costs a try (the last one turns the SIM to PUK)."""
        if pin == self.pin:
            self.unlocked = True
            self.pin_tries = self.max_pin_tries
            return True
        self.pin_tries -= 1
        return False

    def enter_puk(self, puk: str, new_pin: str) -> bool:
        """Try the PUK with a new PIN; a wrong one costs a PUK try."""
        if puk == self.puk and self.puk_tries > 0:
            self.pin, self.unlocked = new_pin, True
            self.pin_tries, self.puk_tries = self.max_pin_tries, PUK_TRIES
            return True
        self.puk_tries = max(0, self.puk_tries - 1)
        return False


@dataclass
class ModemState:
    """Everything AT commands change; :meth:`power_on` builds the state after power-up."""

    card: SimCard
    default_cscs: str = "GSM"
    echo: bool = True
    cmee: int = 0
    cmgf: int = 0
    cscs: str = "GSM"
    cnmi: tuple[int, ...] = (0, 0, 0, 0, 0)
    creg: int = 0
    cgreg: int = 0
    cereg: int = 0
    cireg: int = 0
    cgsms: int = 1
    cmms: int = 0
    cusd: int = 0
    cfun: int = 1
    smsc: str = ""
    cpms: tuple[str, str, str] = ("SM", "SM", "SM")
    in_call: bool = False
    contexts: dict[int, str] = field(default_factory=dict)
    """PDP contexts set with ``AT+CGDCONT``: context id -> APN."""
    noise: set[str] = field(default_factory=set)
    """Groups of unsolicited lines the modem currently sends (vendor switches)."""
    settings: dict[str, int] = field(default_factory=dict)
    """Vendor settings (``AT+QCFG="ims"``...) by name."""

    @classmethod
    def power_on(
        cls, profile: ModemProfile, card: SimCard, charset: str, noise: frozenset[str]
    ) -> ModemState:
        """The state right after power-up: echo on, SIM locked when a PIN is set."""
        card.power_on()
        return cls(
            card=card,
            default_cscs=charset,
            cscs=charset,
            smsc=profile.smsc,
            noise=set(noise),
        )

    def factory_reset(self) -> None:
        """``ATZ`` / ``AT&F``: command settings back to defaults (the SIM stays as it is)."""
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cscs = self.default_cscs
        self.cnmi = (0, 0, 0, 0, 0)
        self.creg = self.cgreg = self.cereg = self.cireg = 0
        self.cmms = 0

    @property
    def sim(self) -> SimStatus:
        """``AT+CPIN?`` status of the card."""
        return self.card.status

    @property
    def attempts_left(self) -> int:
        """PIN tries left on the card."""
        return self.card.pin_tries

    @property
    def ds(self) -> int:
        """The ``<ds>`` of ``AT+CNMI``: 1 = status reports as ``+CDS``."""
        return self.cnmi[3] if len(self.cnmi) > 3 else 0

    @property
    def sim_ready(self) -> bool:
        """True when SIM commands may run."""
        return self.card.status is SimStatus.READY

    def sim_cme(self) -> int:
        """The ``+CME ERROR`` code for a SIM command while the SIM is unusable."""
        return {SimStatus.ABSENT: 10, SimStatus.PUK: 12}.get(self.card.status, 11)

    def sim_cms(self) -> int:
        """The ``+CMS ERROR`` code for an SMS command while the SIM is unusable."""
        return {SimStatus.ABSENT: 310, SimStatus.PUK: 316}.get(self.card.status, 311)
