"""Checking a submitted PDU and building the status report a handset would trigger."""

from __future__ import annotations

import string
from datetime import datetime

from otpbroker.modem.pdu import DecodedSubmit, decode_submit, encode_status_report

from .results import frame

MAX_TPDU = 176
"""Largest TPDU length ``AT+CMGS=<len>`` accepts (octets after the SMSC field)."""


class RejectedPdu(ValueError):
    """The PDU typed after the prompt is not a valid SMS-SUBMIT of the announced length."""


def check_submit(pdu: str, length: int) -> DecodedSubmit:
    """Decode ``pdu`` (hex with SMSC field) after checking it matches ``AT+CMGS=<length>``."""
    if not pdu or len(pdu) % 2 or any(ch not in string.hexdigits for ch in pdu):
        raise RejectedPdu("PDU is not an even number of hex digits")
    octets = bytes.fromhex(pdu)
    tpdu = len(octets) - 1 - octets[0]
    if tpdu != length:
        raise RejectedPdu(f"AT+CMGS={length} but the TPDU has {tpdu} octets")
    try:
        return decode_submit(pdu, with_smsc=True)
    except Exception as exc:  # the codec's errors, and any bug in it: never kill the modem
        raise RejectedPdu(str(exc)) from exc


def status_report(
    message_ref: int, recipient: str, when: datetime | None = None, *, status: int = 0
) -> bytes:
    """The unsolicited ``+CDS: <len>`` line and PDU line of a report with TP-ST ``status``
    (0: delivered; 3GPP TS 23.040 §9.2.3.15)."""
    when = when or datetime.now().astimezone()
    pdu = encode_status_report(message_ref, recipient, status, when)
    length = len(pdu) // 2 - 1 - int(pdu[:2], 16)
    return frame(f"+CDS: {length}") + pdu.encode("ascii") + b"\r\n"
