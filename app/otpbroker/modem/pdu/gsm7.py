"""GSM 7-bit septets: encoding, decoding and packing (3GPP TS 23.038 6.1-6.2).

The default alphabet and its extension table live in ``otpbroker.domain.gsm7``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NoReturn

from otpbroker.domain.gsm7 import DEFAULT_ALPHABET as _DEFAULT_ALPHABET
from otpbroker.domain.gsm7 import ENCODE as _ENCODE
from otpbroker.domain.gsm7 import ESC
from otpbroker.domain.gsm7 import EXTENSION as _EXTENSION

from .errors import PduError

CR = 0x0D
"""Carriage return, also used as padding of packed USSD strings."""


def is_gsm7_char(ch: str) -> bool:
    """True when ``ch`` is in the default alphabet or the extension table."""
    return ch in _ENCODE


def _unencodable(ch: str) -> NoReturn:
    raise PduError(f"character {ch!r} (U+{ord(ch):04X}) is not in the GSM 7-bit alphabet")


def septet_cost(ch: str) -> int:
    """Septets ``ch`` takes: 1 (default alphabet) or 2 (extension table, ESC + code)."""
    code = _ENCODE.get(ch)
    if code is None:
        _unencodable(ch)
    return len(code)


def gsm7_encode(text: str) -> list[int]:
    """Encode ``text`` to septet values; extension characters become ESC + code.

    Raises :class:`PduError` for a character outside the alphabet and its extension table.
    """
    septets: list[int] = []
    for ch in text:
        code = _ENCODE.get(ch)
        if code is None:
            _unencodable(ch)
        septets.extend(code)
    return septets


def gsm7_decode(septets: Iterable[int]) -> str:
    """Decode septet values to text.

    ESC + an unknown code yields the default-alphabet character of that code (TS 23.038
    6.2.1.1); ESC + ESC and a dangling final ESC yield a space.
    """
    out: list[str] = []
    escaped = False
    for value in septets:
        if not 0 <= value <= 0x7F:
            raise PduError(f"septet value {value} is out of range 0..127")
        if escaped:
            escaped = False
            if value == ESC:
                out.append(" ")
            else:
                out.append(_EXTENSION.get(value, _DEFAULT_ALPHABET[value]))
        elif value == ESC:
            escaped = True
        else:
            out.append(_DEFAULT_ALPHABET[value])
    if escaped:
        out.append(" ")
    return "".join(out)


def packed_length(count: int, fill_bits: int = 0) -> int:
    """Octets needed for ``count`` septets after ``fill_bits`` fill bits."""
    return (fill_bits + 7 * count + 7) // 8


def _check_fill(fill_bits: int) -> None:
    if not 0 <= fill_bits <= 6:
        raise PduError(f"fill_bits must be 0..6, got {fill_bits}")


def pack_septets(septets: Sequence[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first into octets, after ``fill_bits`` zero bits (0..6).

    Unused bits of the last octet are zero.
    """
    _check_fill(fill_bits)
    acc = 0
    nbits = fill_bits
    out = bytearray()
    for value in septets:
        if not 0 <= value <= 0x7F:
            raise PduError(f"septet value {value} is out of range 0..127")
        acc |= value << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    """Unpack ``count`` septets from ``data``, skipping ``fill_bits`` leading fill bits.

    Raises :class:`PduError` when ``data`` is too short for ``count`` septets.
    """
    _check_fill(fill_bits)
    if count < 0:
        raise PduError(f"septet count must not be negative, got {count}")
    needed = packed_length(count, fill_bits)
    if len(data) < needed:
        raise PduError(f"{count} septets need {needed} octets, only {len(data)} present")
    bits = int.from_bytes(data[:needed], "little") >> fill_bits
    return [(bits >> (7 * i)) & 0x7F for i in range(count)]
