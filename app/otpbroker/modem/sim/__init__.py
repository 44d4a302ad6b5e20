"""GSM modem emulator on real pseudo-terminals: the modem and the handsets it sends to.

A :class:`SimModem` answers AT commands on a pty slave path that the real driver opens with
pyserial; it decodes what it is asked to send and records the deliveries. It behaves like
one of the :data:`PERSONALITIES` (a modem family, following its vendor's manual) under
network conditions (``parse_conditions``). :class:`ModemBank` runs several with generated
identities (``otp-broker modem-sim``).
"""

from __future__ import annotations

from .bank import ModemBank
from .conditions import CONDITION_NAMES, Condition, Network, parse_conditions
from .deliveries import Delivery, DeliveryLog, Part
from .device import SimModem
from .dialogue import Dialogue, Mode
from .faults import FAULT_KINDS, Faults, parse_fault
from .identity import (
    REALISTIC_TIMING,
    generate_profile,
    generate_profiles,
    luhn_digit,
    luhn_valid,
    personality_profile,
)
from .personalities import NAMES as PERSONALITY_NAMES
from .personalities import PERSONALITIES, Personality, personality
from .profile import ModemProfile, StoredSms, UssdReply

__all__ = [
    "CONDITION_NAMES",
    "FAULT_KINDS",
    "PERSONALITIES",
    "PERSONALITY_NAMES",
    "REALISTIC_TIMING",
    "Condition",
    "Delivery",
    "DeliveryLog",
    "Dialogue",
    "Faults",
    "Mode",
    "ModemBank",
    "ModemProfile",
    "Network",
    "Part",
    "Personality",
    "SimModem",
    "StoredSms",
    "UssdReply",
    "generate_profile",
    "generate_profiles",
    "luhn_digit",
    "luhn_valid",
    "parse_conditions",
    "parse_fault",
    "personality",
    "personality_profile",
]
