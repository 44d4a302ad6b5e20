"""GSM modem emulator on real pseudo-terminals: the modem and the handsets it sends to.

A :class:`SimModem` answers AT commands on a pty slave path that the real driver opens with
pyserial; it decodes what it is asked to send and records the deliveries.
:class:`ModemBank` runs several with generated identities (``otp-broker modem-sim``).
"""

from __future__ import annotations

from .bank import ModemBank
from .deliveries import Delivery, DeliveryLog, Part
from .device import SimModem
from .dialogue import Dialogue, Mode
from .faults import FAULT_KINDS, Faults, parse_fault
from .identity import generate_profile, generate_profiles, luhn_digit, luhn_valid
from .profile import ModemProfile, UssdReply

__all__ = [
    "FAULT_KINDS",
    "Delivery",
    "DeliveryLog",
    "Dialogue",
    "Faults",
    "Mode",
    "ModemBank",
    "ModemProfile",
    "Part",
    "SimModem",
    "UssdReply",
    "generate_profile",
    "generate_profiles",
    "luhn_digit",
    "luhn_valid",
    "parse_fault",
]
