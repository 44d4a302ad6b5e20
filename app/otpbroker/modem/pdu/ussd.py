"""USSD strings: decoding ``+CUSD`` replies and encoding requests/replies (TS 23.038 5, 6.1.2.3)."""

from __future__ import annotations

import re

from .dcs import cbs_alphabet
from .errors import PduError
from .gsm7 import CR, gsm7_decode, gsm7_encode, is_gsm7_char, pack_septets, unpack_septets

DCS_USSD_GSM7 = 0x0F
DCS_USSD_UCS2 = 0x48
DCS_USSD_8BIT_ASCII = 0x00  # what some operators send for ASCII hex

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_ASCII_TEXT = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
# Characters expected in real GSM 7-bit text: ASCII plus the Latin letters of the alphabet.
_COMMON = frozenset(chr(c) for c in _ASCII_TEXT) | frozenset(
    "\u00a3\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\u00d8\u00f8\u00c5\u00e5\u00c6\u00e6"
    "\u00df\u00c9\u00c4\u00d6\u00d1\u00dc\u00a7\u00bf\u00e4\u00f6\u00f1\u00fc\u00e0\u00a1"
    "\u20ac\x0c"
)


def pack_ussd(text: str) -> bytes:
    """Pack ``text`` as GSM 7-bit with CR padding (TS 23.038 6.1.2.3.1).

    7 spare bits at the end get a CR so they are not read as ``@``; a wanted final CR on an
    octet boundary gets a second CR so the receiver does not strip it as padding.
    """
    septets = gsm7_encode(text)
    if len(septets) % 8 == 7 or (len(septets) % 8 == 0 and septets and septets[-1] == CR):
        septets.append(CR)
    return pack_septets(septets)


def unpack_ussd(data: bytes) -> str:
    """Unpack GSM 7-bit USSD octets, removing a final CR that pads to an octet boundary."""
    septets = unpack_septets(data, len(data) * 8 // 7)
    if len(data) % 7 == 0 and septets and septets[-1] == CR:
        septets.pop()
    return gsm7_decode(septets)


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\r\n\t\x0c" for ch in text)


def _plausible_gsm(text: str) -> bool:
    """Printable and mostly (>= 80 %) ASCII or Latin GSM letters."""
    if not text or not _printable(text):
        return False
    return sum(ch in _COMMON for ch in text) * 5 >= len(text) * 4


def _utf16(data: bytes) -> str | None:
    if len(data) % 2:
        return None
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError:
        return None


def _decode_8bit(data: bytes) -> str | None:
    if all(b in _ASCII_TEXT for b in data):
        return data.decode("ascii")
    for codec in ("utf-8", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return text
    return None


def _decode_gsm_hex(data: bytes, dcs: int) -> str | None:
    if all(b in _ASCII_TEXT for b in data):
        return data.decode("ascii")
    text = unpack_ussd(data)
    if dcs == 0x10 and len(text) >= 3 and text[2] == "\r":
        text = text[3:]  # two-letter language code + CR
    return text if _plausible_gsm(text) else None


def _decode(payload: str, dcs: int, charset: str) -> str:
    stripped = payload.strip()
    if not stripped:
        return ""
    alphabet = cbs_alphabet(dcs) if 0 <= dcs <= 0xFF else "gsm7"
    if alphabet is None:  # compressed: nothing sensible to do
        return payload
    if not _HEX.fullmatch(stripped):
        return payload.rstrip("\r")  # the modem already gave text
    data = bytes.fromhex(stripped)
    if alphabet == "ucs2":
        if dcs == 0x11:
            data = data[2:]  # language code as two packed septets
        text = _utf16(data)
        return text if text is not None else payload
    as_ucs2 = _utf16(data) if charset.strip().upper() in ("UCS2", "UCS-2") else None
    if as_ucs2 is not None and as_ucs2 and all(is_gsm7_char(ch) for ch in as_ucs2):
        return as_ucs2.rstrip("\r")
    text = _decode_8bit(data) if alphabet == "8bit" else _decode_gsm_hex(data, dcs)
    if text is not None:
        return text
    if as_ucs2 and _printable(as_ucs2):
        return as_ucs2
    return payload


def decode_ussd(payload: str, dcs: int, charset: str = "GSM") -> str:
    """Decode a ``+CUSD`` payload using its data coding scheme and the modem's charset.

    UCS2 DCS: hex UTF-16BE. Under charset ``UCS2`` the modem gives UTF-16BE hex even for a
    GSM DCS. GSM DCS: non-hex payload is already text (trailing CR padding removed); hex
    is plain ASCII when every byte is printable ASCII, else packed 7-bit septets. Never
    raises: anything that does not decode plausibly is returned unchanged.
    """
    try:
        return _decode(payload, dcs, charset)
    except Exception:  # odd input from a modem must never break the caller
        return payload


def encode_ussd_request_packed(code: str) -> str:
    """Packed GSM 7-bit hex of a USSD request such as ``*888#`` (for modems that want it).

    Raises :class:`PduError` for an empty code or characters outside GSM 7-bit.
    """
    if not code:
        raise PduError("USSD code is empty")
    return pack_ussd(code).hex().upper()


def encode_ussd_reply(text: str, style: str) -> tuple[str, int]:
    """(payload, dcs) of a USSD reply as a modem would report it (for emulators).

    Styles: ``gsm7`` -> (text, 15); ``gsm7-packed`` -> (packed hex, 15); ``ucs2`` ->
    (UTF-16BE hex, 72); ``ascii-hex`` -> (ASCII hex, 0). Raises :class:`PduError` when the
    text does not fit the style and :class:`ValueError` for an unknown style.
    """
    if style == "gsm7":
        gsm7_encode(text)  # validates the alphabet
        return text, DCS_USSD_GSM7
    if style == "gsm7-packed":
        return pack_ussd(text).hex().upper(), DCS_USSD_GSM7
    if style == "ucs2":
        return text.encode("utf-16-be", "surrogatepass").hex().upper(), DCS_USSD_UCS2
    if style == "ascii-hex":
        try:
            data = text.encode("ascii")
        except UnicodeEncodeError:
            raise PduError("ascii-hex USSD reply must be ASCII text") from None
        return data.hex().upper(), DCS_USSD_8BIT_ASCII
    raise ValueError(f"unknown USSD reply style {style!r}")
