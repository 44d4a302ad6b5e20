"""SMS-DELIVER decoding, and encoding for modem emulators (3GPP TS 23.040 9.2.2.1).

A received SMS arrives (``+CMGR`` / ``+CMGL`` / ``+CMT``) as an SMS-DELIVER: originator
address (international, national or an alphanumeric name in packed GSM 7-bit), TP-PID,
TP-DCS (GSM 7-bit, 8-bit or UCS2), the service-centre time stamp and the user data, with a
concatenation header (8-bit or 16-bit reference) when it is one part of a longer message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .address import encode_address, encode_smsc, read_address, read_smsc
from .dcs import Alphabet, sms_alphabet
from .errors import InvalidNumberError, PduError
from .gsm7 import gsm7_encode, pack_septets
from .reader import Reader, parse_hex
from .segment import choose_encoding, split_text
from .timestamp import TIMESTAMP_OCTETS, decode_timestamp, encode_timestamp
from .userdata import IEI_CONCAT_8BIT, IEI_CONCAT_16BIT, Concat, encode_user_data, read_user_data

MTI_DELIVER = 0x00
TOA_ALPHANUMERIC = 0xD0
"""Type of address: extension bit 1, type of number 101 (alphanumeric, GSM 7-bit packed),
numbering plan 0000; decoding accepts the type bits whatever the extension bit."""
_MMS = 0x04  # TP-MMS: no more messages waiting
_UDHI = 0x40
_DCS = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}
MAX_ALPHANUMERIC = 11


@dataclass(frozen=True)
class DeliverPdu:
    """The fields of one received SMS-DELIVER part."""

    sender: str
    """``+<digits>`` (international), plain digits (national/unknown) or a name."""
    alphanumeric: bool
    """True when the sender is a name (type of number 101) rather than digits."""
    text: str
    """This part's text without the header (8-bit data: one character per octet; UCS2: a
    surrogate pair split across parts leaves a lone surrogate here, joined on reassembly)."""
    encoding: Alphabet
    pid: int
    dcs: int
    sent_at: datetime
    """TP-SCTS, timezone-aware."""
    concat: Concat | None
    """(reference, total, sequence) for one part of a concatenated message."""
    smsc: str | None


def first_octet(pdu_hex: str, *, with_smsc: bool = True) -> int:
    """The TP first octet (after the SMSC field): its low two bits are TP-MTI.

    Raises :class:`PduError` for malformed hex or a truncated PDU."""
    reader = Reader(parse_hex(pdu_hex))
    if with_smsc:
        reader.take(reader.octet("SMSC length"), "SMSC")
    return reader.octet("first octet")


def decode_deliver(pdu_hex: str, *, with_smsc: bool = True) -> DeliverPdu:
    """Decode an SMS-DELIVER (SMSC field first unless ``with_smsc=False``); TP-UDL is
    trusted, octets after the user data are ignored.

    Raises :class:`PduError` on malformed or truncated data or another message type."""
    data = parse_hex(pdu_hex)
    reader = Reader(data)
    smsc = read_smsc(reader) if with_smsc else None
    first = reader.octet("first octet")
    if first & 0x03 != MTI_DELIVER:
        raise PduError(f"first octet {first:02X} is not an SMS-DELIVER (TP-MTI {first & 3:02b})")
    address_at = reader.position
    sender = read_address(reader, "TP-OA")
    toa = data[address_at + 1]
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    alphabet = sms_alphabet(dcs)
    sent_at = decode_timestamp(reader.take(TIMESTAMP_OCTETS, "TP-SCTS"))
    text, concat = read_user_data(reader, alphabet, udhi=bool(first & _UDHI))
    return DeliverPdu(
        sender=sender,
        alphanumeric=(toa >> 4) & 0x07 == 5,
        text=text,
        encoding=alphabet,
        pid=pid,
        dcs=dcs,
        sent_at=sent_at,
        concat=concat,
        smsc=smsc,
    )


def _originator(sender: str) -> bytes:
    """TP-OA: digits as for any number, anything else as an alphanumeric name."""
    try:
        return encode_address(sender, "sender")
    except InvalidNumberError:
        if sender.startswith("+"):
            raise
        septets = gsm7_encode(sender) if sender else []  # PduError outside the GSM alphabet
        if not septets or len(septets) > MAX_ALPHANUMERIC:
            raise InvalidNumberError(
                f"sender {sender!r} is neither a number nor a name of 1..{MAX_ALPHANUMERIC} "
                "GSM 7-bit characters"
            ) from None
        semi_octets = (len(septets) * 7 + 3) // 4
        return bytes([semi_octets, TOA_ALPHANUMERIC]) + pack_septets(septets)


def _concat_udh(reference: int, total: int, sequence: int) -> bytes:
    if reference > 0xFF:
        body = bytes([reference >> 8, reference & 0xFF, total, sequence])
        return bytes([len(body) + 2, IEI_CONCAT_16BIT, len(body)]) + body
    return bytes([5, IEI_CONCAT_8BIT, 3, reference, total, sequence])


def encode_deliver(
    sender: str,
    text: str,
    *,
    when: datetime | None = None,
    smsc: str | None = None,
    reference: int = 0,
    pid: int = 0,
) -> list[str]:
    """The hex of each SMS-DELIVER part (SMSC field first) a network hands a handset for
    ``text`` from ``sender``: GSM 7-bit or UCS2, split like an SMS-SUBMIT with a
    concatenation header (8-bit ``reference`` up to 255, 16-bit above) when it needs more
    than one part. ``when`` (naive = UTC; default now) is the service-centre time.

    Raises :class:`InvalidNumberError` for a bad sender, :class:`PduError` for empty text,
    :class:`ValueError` for a reference outside 0..65535."""
    if isinstance(reference, bool) or not 0 <= reference <= 0xFFFF:
        raise ValueError(f"reference must be 0..65535, got {reference!r}")
    originator = _originator(sender)
    encoding = choose_encoding(text)
    chunks = split_text(text, encoding, spare=1 if reference > 0xFF else 0)
    stamp = encode_timestamp(when or datetime.now(UTC).replace(microsecond=0))
    total = len(chunks)
    pdus: list[str] = []
    for sequence, chunk in enumerate(chunks, start=1):
        udh = _concat_udh(reference, total, sequence) if total > 1 else b""
        udl, data = encode_user_data(chunk, encoding, udh)
        first = MTI_DELIVER | _MMS | (_UDHI if udh else 0)
        octets = (
            encode_smsc(smsc)
            + bytes([first])
            + originator
            + bytes([pid, _DCS[encoding]])
            + stamp
            + bytes([udl])
            + data
        )
        pdus.append(octets.hex().upper())
    return pdus
