"""The SIM's message store: what ``AT+CPMS``, ``AT+CMGL``, ``AT+CMGR`` and ``AT+CMGD`` see.

Stored messages are SMS-DELIVER PDUs (3GPP TS 23.040 §9.2.2.1) built here from the
codec's pieces; statuses follow TS 27.005 §3.1 (0 received unread, 1 received read,
2 stored unsent, 3 stored sent).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from otpbroker.modem.pdu import choose_encoding
from otpbroker.modem.pdu.address import encode_address, encode_smsc
from otpbroker.modem.pdu.timestamp import encode_timestamp
from otpbroker.modem.pdu.userdata import encode_user_data

from .profile import StoredSms

STATUS_TEXT = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT")
ALIASES = {"MT": "SM", "SM_P": "SM", "ME_P": "ME"}
"""Memories that are views of another (``MT`` = SIM and phone, shown here as the SIM)."""
FIXED_TIME = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def deliver_pdu(sender: str, text: str, smsc: str, when: datetime = FIXED_TIME) -> str:
    """Hex of an SMS-DELIVER (with its SMSC field) from ``sender`` carrying ``text``."""
    encoding = choose_encoding(text)
    length, data = encode_user_data(text, encoding)
    dcs = 0x08 if encoding == "ucs2" else 0x00
    octets = (
        encode_smsc(smsc or None)
        + bytes([0x04])  # SMS-DELIVER, no more messages to send
        + encode_address(sender, "sender")
        + bytes([0x00, dcs])
        + encode_timestamp(when)
        + bytes([length])
        + data
    )
    return octets.hex().upper()


@dataclass
class StoredMessage:
    """One message in a memory (sender and text kept for text mode listings)."""

    index: int
    status: int
    pdu: str
    sender: str = ""
    text: str = ""

    @property
    def tpdu_length(self) -> int:
        """Octets after the SMSC field (what ``+CMGL``/``+CMGR`` report)."""
        octets = bytes.fromhex(self.pdu)
        return len(octets) - 1 - octets[0]


class SmsStore:
    """The memories of one SIM and modem, with their capacities."""

    def __init__(self, capacities: Mapping[str, int]) -> None:
        """Empty memories of the given sizes (``{"SM": 30, "ME": 100}``)."""
        self.capacities = dict(capacities)
        self._messages: dict[str, dict[int, StoredMessage]] = {m: {} for m in capacities}

    def memory(self, name: str) -> str:
        """The real memory behind ``name``; ``KeyError`` for an unknown one."""
        real = ALIASES.get(name.upper(), name.upper())
        if real not in self.capacities:
            raise KeyError(name)
        return real

    def seed(self, messages: Iterable[StoredSms], smsc: str) -> None:
        """Put received messages into the SIM memory."""
        for item in messages:
            pdu = deliver_pdu(item.sender, item.text, smsc)
            self.add("SM", StoredMessage(0, 0 if item.unread else 1, pdu, item.sender, item.text))

    def add(self, memory: str, message: StoredMessage) -> int:
        """Store ``message`` in the first free index (from 1); ``OverflowError`` when full."""
        slots = self._messages[self.memory(memory)]
        for index in range(1, self.capacities[self.memory(memory)] + 1):
            if index not in slots:
                message.index = index
                slots[index] = message
                return index
        raise OverflowError(memory)

    def used(self, memory: str) -> int:
        """Messages in ``memory``."""
        return len(self._messages[self.memory(memory)])

    def total(self, memory: str) -> int:
        """Capacity of ``memory``."""
        return self.capacities[self.memory(memory)]

    def indexes(self, memory: str) -> list[int]:
        """The occupied indexes."""
        return sorted(self._messages[self.memory(memory)])

    def listed(self, memory: str, status: int) -> list[StoredMessage]:
        """Messages with ``status`` (4 = all), in index order; unread ones become read."""
        found = [
            m
            for _, m in sorted(self._messages[self.memory(memory)].items())
            if status in (4, m.status)
        ]
        shown = [dataclasses.replace(m) for m in found]
        for message in found:
            if message.status == 0:
                message.status = 1
        return shown

    def read(self, memory: str, index: int) -> StoredMessage | None:
        """The message at ``index`` (marked read afterwards), or ``None``."""
        message = self._messages[self.memory(memory)].get(index)
        if message is None:
            return None
        shown = dataclasses.replace(message)
        if message.status == 0:
            message.status = 1
        return shown

    def delete(self, memory: str, index: int, flag: int = 0) -> None:
        """``AT+CMGD`` semantics: flag 0 deletes ``index``; 1 read, 2 read and sent, 3 read
        and sent and unsent, 4 every message."""
        slots = self._messages[self.memory(memory)]
        if flag == 0:
            slots.pop(index, None)
            return
        doomed = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}[flag]
        for key in [k for k, m in slots.items() if m.status in doomed]:
            del slots[key]
