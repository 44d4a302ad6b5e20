"""Phone numbers as semi-octet addresses (3GPP TS 23.040 9.1.2.3 / 9.1.2.5)."""

from __future__ import annotations

import re

from .errors import InvalidNumberError, PduError
from .gsm7 import gsm7_decode, unpack_septets
from .reader import Reader

TYPE_INTERNATIONAL = 0x91
"""Type of address: international number, ISDN/E.164 numbering plan."""

TYPE_UNKNOWN = 0x81
"""Type of address: unknown type of number, ISDN/E.164 numbering plan."""

MAX_DIGITS = 20

_DIGITS = re.compile(r"[0-9]+")
_NIBBLE_CHARS = "0123456789*#abc"


def parse_number(number: str, what: str = "number") -> tuple[str, int]:
    """Validate ``+<digits>`` / ``<digits>`` (1..20 ASCII digits) -> (digits, type octet).

    Raises :class:`InvalidNumberError` saying exactly what is wrong.
    """
    if not isinstance(number, str):
        raise InvalidNumberError(f"{what} must be a string, got {type(number).__name__}")
    if not number:
        raise InvalidNumberError(f"{what} is empty")
    international = number.startswith("+")
    digits = number[1:] if international else number
    if not digits:
        raise InvalidNumberError(f"{what} {number!r} has no digits after '+'")
    if not _DIGITS.fullmatch(digits):
        bad = next(ch for ch in digits if ch not in "0123456789")
        raise InvalidNumberError(
            f"{what} {number!r} contains {bad!r}; only an optional leading '+' and the "
            "digits 0-9 are allowed"
        )
    if len(digits) > MAX_DIGITS:
        raise InvalidNumberError(
            f"{what} {number!r} has {len(digits)} digits, at most {MAX_DIGITS} are allowed"
        )
    return digits, TYPE_INTERNATIONAL if international else TYPE_UNKNOWN


def semi_octets(digits: str) -> bytes:
    """Swap decimal digits into semi-octets, padding an odd count with 0xF."""
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex("".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2)))


def encode_address(number: str, what: str = "number") -> bytes:
    """TP-DA / TP-RA field: digit count, type of address, semi-octet digits."""
    digits, toa = parse_number(number, what)
    return bytes([len(digits), toa]) + semi_octets(digits)


def encode_smsc(smsc: str | None) -> bytes:
    """SMSC field: ``00`` (use the SIM's SMSC) or octet length, type, semi-octet digits."""
    if smsc is None:
        return b"\x00"
    digits, toa = parse_number(smsc, "SMSC number")
    body = bytes([toa]) + semi_octets(digits)
    return bytes([len(body)]) + body


def decode_semi_octets(data: bytes) -> str:
    """Semi-octet digits back to text; 0xF filler nibbles are dropped."""
    out: list[str] = []
    for octet in data:
        for nibble in (octet & 0x0F, octet >> 4):
            if nibble != 0x0F:
                out.append(_NIBBLE_CHARS[nibble])
    return "".join(out)


def _format(digits: str, toa: int) -> str:
    if digits and (toa >> 4) & 0x07 == 1:
        return "+" + digits
    return digits


def read_address(reader: Reader, what: str) -> str:
    """Read a TP-DA / TP-OA / TP-RA field; ``+`` prefix for international numbers.

    Alphanumeric addresses (type of number 101) are decoded from packed GSM 7-bit.
    """
    length = reader.octet(f"{what} length")
    if length > MAX_DIGITS:
        raise PduError(f"{what} length {length} exceeds {MAX_DIGITS} semi-octets")
    toa = reader.octet(f"{what} type")
    data = reader.take((length + 1) // 2, what)
    if (toa >> 4) & 0x07 == 5:
        return gsm7_decode(unpack_septets(data, length * 4 // 7))
    return _format(decode_semi_octets(data)[:length], toa)


def read_smsc(reader: Reader) -> str | None:
    """Read the leading SMSC field; ``None`` when its length is 0."""
    length = reader.octet("SMSC length")
    if length == 0:
        return None
    if length > 1 + MAX_DIGITS // 2:
        raise PduError(f"SMSC length {length} exceeds {1 + MAX_DIGITS // 2} octets")
    toa = reader.octet("SMSC type")
    return _format(decode_semi_octets(reader.take(length - 1, "SMSC number")), toa)
