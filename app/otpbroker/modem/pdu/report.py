"""SMS-STATUS-REPORT decoding, and encoding for modem emulators (3GPP TS 23.040 9.2.2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .address import encode_address, read_address, read_smsc
from .errors import PduError
from .reader import Reader, parse_hex
from .timestamp import TIMESTAMP_OCTETS, decode_timestamp, encode_timestamp

MTI_STATUS_REPORT = 0x02
_FIRST_OCTET = 0x06  # TP-MTI 10, TP-MMS 1 (no more messages waiting)


@dataclass(frozen=True)
class StatusReport:
    """The fields of an SMS-STATUS-REPORT that matter for delivery tracking."""

    message_ref: int
    """TP-MR of the SMS-SUBMIT this report is about."""
    recipient: str
    """TP-RA: ``+<digits>`` when international, else plain digits."""
    status: int
    """TP-ST."""
    delivered: bool
    """TP-ST 0x00..0x1F: short message transaction completed."""
    final: bool
    """False for TP-ST 0x20..0x3F (temporary error, the SC is still trying)."""
    service_centre_time: datetime
    discharge_time: datetime


def decode_status_report(pdu_hex: str, *, with_smsc: bool = True) -> StatusReport:
    """Decode an SMS-STATUS-REPORT (``+CDS`` / ``+CMGR``), SMSC field first unless
    ``with_smsc=False``. Optional trailing parameters (TP-PI ...) are ignored.

    Raises :class:`PduError` on malformed or truncated data.
    """
    reader = Reader(parse_hex(pdu_hex))
    if with_smsc:
        read_smsc(reader)
    first = reader.octet("first octet")
    if first & 0x03 != MTI_STATUS_REPORT:
        raise PduError(
            f"first octet {first:02X} is not an SMS-STATUS-REPORT (TP-MTI {first & 3:02b})"
        )
    message_ref = reader.octet("TP-MR")
    recipient = read_address(reader, "TP-RA")
    sc_time = decode_timestamp(reader.take(TIMESTAMP_OCTETS, "TP-SCTS"))
    discharge = decode_timestamp(reader.take(TIMESTAMP_OCTETS, "TP-DT"))
    status = reader.octet("TP-ST")
    return StatusReport(
        message_ref=message_ref,
        recipient=recipient,
        status=status,
        delivered=status <= 0x1F,
        final=not 0x20 <= status <= 0x3F,
        service_centre_time=sc_time,
        discharge_time=discharge,
    )


def encode_status_report(
    message_ref: int,
    recipient: str,
    status: int,
    when: datetime,
    *,
    discharge_time: datetime | None = None,
) -> str:
    """Build the hex of an SMS-STATUS-REPORT with an empty (``00``) SMSC field.

    ``when`` (naive = UTC) is the service-centre time and, unless ``discharge_time`` is
    given, also the discharge time. Raises :class:`InvalidNumberError` for a bad recipient
    and :class:`ValueError` for an out-of-range ``message_ref``/``status`` or a year
    outside 2000..2099.
    """
    for name, value in (("message_ref", message_ref), ("status", status)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise ValueError(f"{name} must be an integer 0..255, got {value!r}")
    sc_stamp = encode_timestamp(when)
    dt_stamp = sc_stamp if discharge_time is None else encode_timestamp(discharge_time)
    pdu = (
        bytes([0x00, _FIRST_OCTET, message_ref])
        + encode_address(recipient, "recipient number")
        + sc_stamp
        + dt_stamp
        + bytes([status])
    )
    return pdu.hex().upper()
