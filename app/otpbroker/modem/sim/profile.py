"""The configuration of one emulated modem: identity, SIM, timing and noise."""

from __future__ import annotations

from dataclasses import dataclass, field

USSD_STYLES = ("gsm7", "gsm7-packed", "ucs2", "ascii-hex")
USSD_ORDERS = ("before", "after")


@dataclass(frozen=True)
class UssdReply:
    """What the network answers to one USSD code.

    ``style`` picks the wire encoding (see ``otpbroker.modem.pdu.encode_ussd_reply``),
    ``order`` whether the ``+CUSD`` line comes before or after the ``OK``.
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
    """Identity and behaviour of one emulated modem (all times in seconds)."""

    imei: str = "490154203237518"
    imsi: str = "510101234567890"
    msisdn: str = "+6281100000001"
    operator: str = "TELKOMSEL"
    manufacturer: str = "huawei"
    model: str = "E3131"
    revision: str = "21.158.00.00.143"
    smsc: str = "+6281100000"
    signal: int = 20
    """``+CSQ`` RSSI value, 0..31 (99 = unknown)."""
    pin: str | None = None
    """With a PIN the SIM starts locked (``+CPIN: SIM PIN``)."""
    puk: str = "12345678"
    pin_attempts: int = 3
    send_delay: float = 0.0
    """Time between the PDU (Ctrl-Z) and ``+CMGS``: the SMSC round trip."""
    prompt_delay: float = 0.0
    """Time between ``AT+CMGS=<len>`` and the ``> `` prompt."""
    report_delay: float = 0.05
    """Time between the ``OK`` of a send and its ``+CDS`` status report."""
    cmms_supported: bool = True
    cgsn_prefixed: bool = False
    """Answer ``+CGSN: <imei>`` instead of the bare IMEI."""
    ussd: dict[str, UssdReply] = field(default_factory=default_ussd)
    urc_interval: float | None = None
    """Mean seconds between random unsolicited lines; ``None`` = none."""
    urc_in_reply: float = 0.0
    """Probability of an unsolicited line between a reply's info lines and its final."""
    escape_guard: float = 0.2
    """Silence needed before ``+++`` to leave data mode (real modems: 1 s)."""
    seed: int | None = None
    """Seed of the modem's random noise (URCs, garbage), for reproducible runs."""
    accepted_apns: tuple[str, ...] | None = None
    """APNs the network accepts for a data call (``None`` = any); others get NO CARRIER."""
    data_port: bool = False
    """Expose a second port (like a stick's separate data and AT ports) sharing the SIM."""
