"""The configuration of one emulated modem: personality, identity, SIM, timing and noise."""

from __future__ import annotations

from dataclasses import dataclass, field

USSD_STYLES = ("gsm7", "gsm7-packed", "ucs2", "ascii-hex")
USSD_ORDERS = ("before", "after")
DEFAULT_IDENTITY = ("OTP-Broker", "GENERIC-3GPP", "1.0")
"""What a bare ``ModemProfile()`` calls itself: the ``generic`` personality, a neutral 3GPP
modem that no driver takes for a vendor's. A profile of another personality left at this
identity takes that personality's own."""


@dataclass(frozen=True)
class UssdReply:
    """What the network answers to one USSD code.

    ``style`` is how the network coded it: ``gsm7`` (GSM 7-bit, DCS 15), ``ucs2`` (DCS 72),
    ``ascii-hex`` (8-bit ASCII with DCS 0, an operator quirk) or ``gsm7-packed`` (GSM 7-bit
    shown packed, as Huawei sticks do). How the modem puts it on the AT line is up to its
    personality (the ``generic`` one shows each style as named). ``order`` says whether the
    ``+CUSD`` line comes before or after the ``OK``.
    """

    text: str
    style: str = "gsm7"
    order: str = "after"

    def __post_init__(self) -> None:
        """Reject unknown styles and orders early."""
        if self.style not in USSD_STYLES:
            raise ValueError(f"unknown USSD style {self.style!r}")
        if self.order not in USSD_ORDERS:
            raise ValueError(f"unknown USSD order {self.order!r}")


@dataclass(frozen=True)
class StoredSms:
    """A message waiting in the SIM's store (``AT+CMGL`` lists it)."""

    sender: str
    text: str
    unread: bool = True


_BALANCE_RU = "\u0411\u0430\u043b\u0430\u043d\u0441 100 \u0440\u0443\u0431."  # Cyrillic


def default_ussd() -> dict[str, UssdReply]:
    """A few codes answered in each style real operators use."""
    return {
        "*888#": UssdReply("Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030.", "gsm7", "after"),
        "*123#": UssdReply("Paket internet 2GB aktif", "gsm7-packed", "after"),
        "*100#": UssdReply(_BALANCE_RU, "ucs2", "before"),
        "*555#": UssdReply("Sisa pulsa", "ascii-hex", "after"),
    }


@dataclass
class ModemProfile:
    """Identity and behaviour of one emulated modem (all times in seconds).

    ``personality`` names the modem family it behaves like (see ``personalities``); the
    timing defaults here are zero so that tests run fast, while a profile built with
    ``personality_profile`` or by ``otp-broker modem-sim`` takes realistic, seeded delays.
    """

    personality: str = "generic"
    imei: str = "490154203237518"
    imsi: str = "510101234567890"
    msisdn: str = "+6281100000001"
    operator: str = "TELKOMSEL"
    manufacturer: str = DEFAULT_IDENTITY[0]
    model: str = DEFAULT_IDENTITY[1]
    revision: str = DEFAULT_IDENTITY[2]
    smsc: str = "+6281100000"
    signal: int = 20
    """``+CSQ`` RSSI value, 0..31 (99 = unknown)."""
    pin: str | None = None
    """With a PIN the SIM starts locked (``+CPIN: SIM PIN``)."""
    puk: str = "12345678"
    pin_attempts: int = 3
    send_delay: float = 0.0
    """Time between the PDU (Ctrl-Z) and ``+CMGS``: the SMSC round trip."""
    send_delay_range: tuple[float, float] | None = None
    """When set, each send takes a random time in this range instead (seeded)."""
    prompt_delay: float = 0.0
    """Time between ``AT+CMGS=<len>`` and the ``> `` prompt."""
    report_delay: float = 0.05
    """Time between the ``OK`` of a send and its ``+CDS`` status report."""
    ussd_delay: float = 0.0
    """Time between ``AT+CUSD=1,...`` and the network's ``+CUSD`` answer."""
    ussd_delay_range: tuple[float, float] | None = None
    """When set, each USSD answer takes a random time in this range instead (seeded)."""
    boot_delay: float = 0.0
    """Time between power-on (or a replug) and the start-up lines."""
    reboot_time: float = 0.0
    """How long ``AT+CFUN=1,1`` keeps the modem off the bus before it comes back."""
    scan_delay: float = 0.0
    """How long ``AT+COPS=?`` searches for networks."""
    cmms_supported: bool | None = None
    """``AT+CMMS`` works (``None``: as the personality says)."""
    cgsn_prefixed: bool | None = None
    """Answer ``+CGSN: <imei>`` instead of the bare IMEI (``None``: as the personality says)."""
    ussd: dict[str, UssdReply] = field(default_factory=default_ussd)
    urc_interval: float | None = None
    """Mean seconds between random unsolicited lines; ``None`` = none."""
    urc_in_reply: float = 0.0
    """Probability of an unsolicited line between a reply's info lines and its final."""
    escape_guard: float = 0.2
    """Silence needed before ``+++`` to leave data mode (real modems: 1 s)."""
    seed: int | None = None
    """Seed of the modem's random noise, delays and network failures (reproducible runs)."""
    accepted_apns: tuple[str, ...] | None = None
    """APNs the network accepts for a data call (``None`` = any); others get NO CARRIER."""
    data_port: bool = False
    """Expose a second port (like a stick's separate data and AT ports) sharing the SIM."""
    conditions: tuple[str, ...] = ()
    """Network conditions at start (``"lte-no-sms"``, ``"pin:2"`` ... see ``conditions``)."""
    inbox: tuple[StoredSms, ...] = ()
    """Messages already in the SIM's store."""

    def __post_init__(self) -> None:
        """Check the personality and conditions; adopt the personality's identity when
        the identity fields were left at the defaults."""
        from .conditions import parse_conditions, shape_network  # a cycle at import time
        from .personalities import personality

        persona = personality(self.personality)
        if self.identity == DEFAULT_IDENTITY:
            ident = persona.identity
            self.manufacturer, self.model = ident.manufacturer, ident.model
            self.revision = ident.revision
        self.conditions = tuple(self.conditions)
        shape_network(persona, parse_conditions(self.conditions))

    @property
    def identity(self) -> tuple[str, str, str]:
        """(manufacturer, model, revision)."""
        return (self.manufacturer, self.model, self.revision)
