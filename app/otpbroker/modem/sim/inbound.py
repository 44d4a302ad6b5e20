"""Received SMS in the emulator: the network hands the modem SMS-DELIVER parts.

Each part is stored in the memory received messages go to (``<mem3>`` of ``AT+CPMS``) and
announced as ``AT+CNMI`` asks (TS 27.005 §3.4.1): ``<mt>`` 1 (or 3) gives
``+CMTI: "<mem>",<index>``, ``<mt>`` 2 routes it directly as ``+CMT: ,<length>`` and the
PDU line without storing it, ``<mt>`` 0 (or ``<mode>`` 0, indications buffered) says
nothing: only a listing finds it. A full memory refuses the part: the sender's network
gets ``+CMS ERROR: 322`` (memory full) and the modem prints nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from otpbroker.modem.pdu import decode_deliver, encode_deliver

from .results import frame
from .state import ModemState
from .store import StoredMessage

MEMORY_FULL = 322


class MemoryFull(ValueError):
    """The SIM memory for received messages is full: ``+CMS ERROR: 322`` to the sender."""

    code = MEMORY_FULL


def deliver_parts(
    sender: str,
    text: str,
    smsc: str,
    *,
    parts: Sequence[int] | None = None,
    when: datetime | None = None,
    reference: int = 0,
) -> list[str]:
    """The SMS-DELIVER PDUs of ``text`` split like a network does; ``parts`` keeps only
    those sequence numbers (1-based), e.g. to leave a concatenated message incomplete.

    ``ValueError`` for a bad sender, empty text or a part number the message lacks."""
    pdus = encode_deliver(sender, text, when=when, smsc=smsc or None, reference=reference)
    if parts is None:
        return pdus
    wrong = [n for n in parts if not isinstance(n, int) or not 1 <= n <= len(pdus)]
    if wrong:
        raise ValueError(f"the message has parts 1..{len(pdus)}, not {wrong}")
    return [pdus[n - 1] for n in parts]


def arrive(state: ModemState, pdus: Sequence[str]) -> tuple[bytes, MemoryFull | None]:
    """Store (or route) each part per ``AT+CNMI``: (the bytes the modem prints for them,
    :class:`MemoryFull` when a part found no free index). Parts stored before a refused one
    stay, as on a real SIM; the refused one and those after it are lost."""
    mode, mt = (*state.cnmi, 0, 0)[:2]
    out = b""
    for pdu in pdus:
        if mode != 0 and mt == 2:
            octets = bytes.fromhex(pdu)
            out += frame(f"+CMT: ,{len(octets) - 1 - octets[0]}") + pdu.encode() + b"\r\n"
            continue
        memory = state.cpms[2]
        decoded = decode_deliver(pdu)
        message = StoredMessage(0, 0, pdu, decoded.sender, decoded.text)
        try:
            index = state.card.store.add(memory, message)
        except OverflowError:
            full = f"+CMS ERROR: {MEMORY_FULL} (memory {memory} full): the message is refused"
            return out, MemoryFull(full)
        if mode != 0 and mt in (1, 3):
            out += frame(f'+CMTI: "{memory}",{index}')
    return out, None
