"""Encoding SMS-SUBMIT PDUs, concatenated when needed (3GPP TS 23.040 9.2.2.2)."""

from __future__ import annotations

from dataclasses import dataclass

from .address import encode_address, encode_smsc
from .dcs import DCS_GSM7, DCS_UCS2
from .errors import EmptyMessageError, MessageTooLongError
from .segment import choose_encoding, split_text
from .userdata import concat_header, encode_user_data

MTI_SUBMIT = 0x01
VPF_RELATIVE = 0x10
SRR = 0x20
UDHI = 0x40
PID_DEFAULT = 0x00
MAX_CONCAT_PARTS = 255


@dataclass(frozen=True)
class SubmitPdu:
    """One SMS-SUBMIT ready for ``AT+CMGS=<tpdu_length>`` followed by ``hex`` + Ctrl-Z."""

    hex: str
    """The whole PDU in upper-case hex, SMSC field included (``00`` = SIM's SMSC)."""
    tpdu_length: int
    """Octets after the SMSC field: the ``<length>`` of ``AT+CMGS``."""


def _check_octet(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be an integer 0..255, got {value!r}")


def encode_submit(
    number: str,
    text: str,
    *,
    reference: int = 0,
    max_parts: int = 10,
    smsc: str | None = None,
    validity: int | None = None,
    status_report: bool = False,
    message_ref: int = 0,
) -> list[SubmitPdu]:
    """Encode ``text`` to ``number`` as one SMS-SUBMIT per part.

    GSM 7-bit (DCS 00) when every character allows it, else UCS2 (DCS 08). More than one
    part gets TP-UDHI and a concatenation header with the 8-bit ``reference``.
    ``validity`` is a relative TP-VP octet (``None``: no TP-VP), ``status_report`` sets
    TP-SRR, ``message_ref`` is TP-MR.

    Raises :class:`InvalidNumberError`, :class:`EmptyMessageError`,
    :class:`MessageTooLongError`, or :class:`ValueError` for out-of-range integers.
    """
    _check_octet("reference", reference)
    _check_octet("message_ref", message_ref)
    if validity is not None:
        _check_octet("validity", validity)
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise ValueError(f"max_parts must be a positive integer, got {max_parts!r}")
    destination = encode_address(number, "destination number")
    service_centre = encode_smsc(smsc)
    if not text:
        raise EmptyMessageError("message text is empty")

    encoding = choose_encoding(text)
    chunks = split_text(text, encoding)
    total = len(chunks)
    if total > min(max_parts, MAX_CONCAT_PARTS):
        raise MessageTooLongError(total, min(max_parts, MAX_CONCAT_PARTS))

    first = MTI_SUBMIT
    if validity is not None:
        first |= VPF_RELATIVE
    if status_report:
        first |= SRR
    if total > 1:
        first |= UDHI
    head = (
        bytes([first, message_ref])
        + destination
        + bytes([PID_DEFAULT, DCS_GSM7 if encoding == "gsm7" else DCS_UCS2])
        + (bytes([validity]) if validity is not None else b"")
    )
    pdus: list[SubmitPdu] = []
    for sequence, chunk in enumerate(chunks, start=1):
        udh = concat_header(reference, total, sequence) if total > 1 else b""
        udl, user_data = encode_user_data(chunk, encoding, udh)
        tpdu = head + bytes([udl]) + user_data
        pdus.append(SubmitPdu(hex=(service_centre + tpdu).hex().upper(), tpdu_length=len(tpdu)))
    return pdus
