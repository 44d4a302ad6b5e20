"""TP-User-Data: header (UDH), fill bits and the three alphabets (3GPP TS 23.040 9.2.3.24)."""

from __future__ import annotations

from .dcs import Alphabet
from .errors import PduError
from .gsm7 import gsm7_decode, gsm7_encode, pack_septets, packed_length, unpack_septets
from .reader import Reader
from .segment import Encoding

IEI_CONCAT_8BIT = 0x00
IEI_CONCAT_16BIT = 0x08

MAX_SEPTETS = 160
MAX_OCTETS = 140

Concat = tuple[int, int, int]
"""(reference, total parts, sequence number)."""


def concat_header(reference: int, total: int, sequence: int) -> bytes:
    """UDH ``05 00 03 <ref> <total> <seq>`` (8-bit reference), UDHL included."""
    return bytes([5, IEI_CONCAT_8BIT, 3, reference, total, sequence])


def _header_septets(header_octets: int) -> tuple[int, int]:
    """(septets the header occupies, fill bits) so the text starts on a septet boundary."""
    septets = (header_octets * 8 + 6) // 7
    return septets, septets * 7 - header_octets * 8


def encode_user_data(text: str, encoding: Encoding, udh: bytes = b"") -> tuple[int, bytes]:
    """(TP-UDL, TP-UD) for ``text`` behind an optional ``udh`` (UDHL included)."""
    if encoding == "gsm7":
        septets = gsm7_encode(text)
        header_septets, fill = _header_septets(len(udh)) if udh else (0, 0)
        return header_septets + len(septets), udh + pack_septets(septets, fill)
    data = udh + text.encode("utf-16-be", "surrogatepass")
    return len(data), data


def parse_udh(header: bytes) -> Concat | None:
    """Concatenation info from UDH information elements (UDHL excluded), if any.

    Understands IE 0x00 (8-bit reference) and 0x08 (16-bit reference); an IE with a total
    of 0 or a sequence outside 1..total is ignored, as TS 23.040 9.2.3.24.1 requires.
    """
    concat: Concat | None = None
    pos = 0
    while pos < len(header):
        if pos + 2 > len(header):
            raise PduError("user data header truncated inside an information element")
        iei, length = header[pos], header[pos + 1]
        data = header[pos + 2 : pos + 2 + length]
        if len(data) < length:
            raise PduError(f"user data header IE {iei:02X} truncated")
        pos += 2 + length
        if iei == IEI_CONCAT_8BIT and length == 3:
            candidate = (data[0], data[1], data[2])
        elif iei == IEI_CONCAT_16BIT and length == 4:
            candidate = ((data[0] << 8) | data[1], data[2], data[3])
        else:
            continue
        if candidate[1] >= 1 and 1 <= candidate[2] <= candidate[1]:
            concat = candidate
    return concat


def _split_header(ud: bytes) -> tuple[bytes, int]:
    """(header IEs, header octets incl. UDHL) from the start of the user data."""
    if not ud:
        raise PduError("TP-UDHI is set but the user data is empty")
    total = ud[0] + 1
    if total > len(ud):
        raise PduError(f"user data header length {ud[0]} exceeds the user data")
    return ud[1:total], total


def read_user_data(reader: Reader, alphabet: Alphabet, udhi: bool) -> tuple[str, Concat | None]:
    """Read TP-UDL + TP-UD; return (text without the header, concatenation info)."""
    udl = reader.octet("TP-UDL")
    concat: Concat | None = None
    if alphabet == "gsm7":
        if udl > MAX_SEPTETS:
            raise PduError(f"TP-UDL {udl} exceeds {MAX_SEPTETS} septets")
        ud = reader.take(packed_length(udl), "TP-UD")
        start, text_septets, fill = 0, udl, 0
        if udhi:
            header, start = _split_header(ud)
            concat = parse_udh(header)
            header_septets, fill = _header_septets(start)
            if header_septets > udl:
                raise PduError(f"user data header ({start} octets) exceeds TP-UDL {udl}")
            text_septets = udl - header_septets
        return gsm7_decode(unpack_septets(ud[start:], text_septets, fill)), concat
    if udl > MAX_OCTETS:
        raise PduError(f"TP-UDL {udl} exceeds {MAX_OCTETS} octets")
    ud = reader.take(udl, "TP-UD")
    body = ud
    if udhi:
        header, start = _split_header(ud)
        concat = parse_udh(header)
        body = ud[start:]
    if alphabet == "8bit":
        return body.decode("latin-1"), concat
    if len(body) % 2:
        raise PduError(f"UCS2 user data has an odd number of octets ({len(body)})")
    return body.decode("utf-16-be", "surrogatepass"), concat
