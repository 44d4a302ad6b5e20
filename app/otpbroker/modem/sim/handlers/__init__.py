"""Answers to the AT commands of a GSM modem (everything except the PDU prompt itself).

The generic handlers follow 3GPP TS 27.005 / 27.007 and V.250; a personality adds its
vendor's commands and replaces what its vendor does differently.
"""

from __future__ import annotations

from . import general, messages, network, services, simcard
from .registry import HANDLERS, handler_for, handles, run, supported

__all__ = [
    "HANDLERS",
    "general",
    "handler_for",
    "handles",
    "messages",
    "network",
    "run",
    "services",
    "simcard",
    "supported",
]
