"""Decoding SMS-SUBMIT PDUs (3GPP TS 23.040 9.2.2.2), e.g. in a modem emulator or in tests."""

from __future__ import annotations

from dataclasses import dataclass

from .address import read_address, read_smsc
from .dcs import sms_alphabet
from .errors import PduError
from .reader import Reader, parse_hex
from .userdata import read_user_data

_VPF_NONE, _VPF_ENHANCED, _VPF_RELATIVE, _VPF_ABSOLUTE = 0, 1, 2, 3


@dataclass(frozen=True)
class DecodedSubmit:
    """The fields of one SMS-SUBMIT part."""

    destination: str
    """``+<digits>`` when international, else the plain digits."""
    text: str
    """This part's text, user data header removed (8-bit data: one char per octet)."""
    encoding: str
    """``"gsm7"``, ``"ucs2"`` or ``"8bit"``."""
    message_ref: int
    validity: int | None
    """Relative TP-VP octet; ``None`` when absent, absolute or enhanced."""
    status_report: bool
    concat: tuple[int, int, int] | None
    """(reference, total, sequence) for a part of a concatenated message."""
    smsc: str | None


def decode_submit(pdu_hex: str, *, with_smsc: bool = True) -> DecodedSubmit:
    """Decode an SMS-SUBMIT PDU (with a leading SMSC field unless ``with_smsc=False``).

    Raises :class:`PduError` on malformed, truncated or trailing data.
    """
    reader = Reader(parse_hex(pdu_hex))
    smsc = read_smsc(reader) if with_smsc else None
    first = reader.octet("first octet")
    if first & 0x03 != 0x01:
        raise PduError(f"first octet {first:02X} is not an SMS-SUBMIT (TP-MTI {first & 3:02b})")
    message_ref = reader.octet("TP-MR")
    destination = read_address(reader, "TP-DA")
    reader.octet("TP-PID")
    alphabet = sms_alphabet(reader.octet("TP-DCS"))
    vpf = (first >> 3) & 0x03
    validity: int | None = None
    if vpf == _VPF_RELATIVE:
        validity = reader.octet("TP-VP")
    elif vpf in (_VPF_ENHANCED, _VPF_ABSOLUTE):
        reader.take(7, "TP-VP")
    text, concat = read_user_data(reader, alphabet, udhi=bool(first & 0x40))
    if reader.remaining():
        raise PduError(f"{reader.remaining()} unexpected octets after the user data")
    return DecodedSubmit(
        destination=destination,
        text=text,
        encoding=alphabet,
        message_ref=message_ref,
        validity=validity,
        status_report=bool(first & 0x20),
        concat=concat,
        smsc=smsc,
    )
