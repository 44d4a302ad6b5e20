"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 6.2.1).

What characters a single-part text SMS can hold, and what each costs: the SMS encoder
(``modem.pdu``) packs with these tables, settings and services count septets with them.
"""

from __future__ import annotations

ESC = 0x1B
"""Escape to the extension table (the next septet selects the extended character)."""

SINGLE_PART_SEPTETS = 160
"""Septets of one GSM 7-bit SMS without a user data header (140 octets packed)."""

# Index = septet value. Position 0x1B is the escape code, not a character.
DEFAULT_ALPHABET = (
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x1b\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./"
    "0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmno"
    "pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)

EXTENSION: dict[int, str] = {
    0x0A: "\x0c",  # form feed
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "\u20ac",  # euro sign
}
"""Extension table: septet value after ESC -> character (each costs two septets)."""

ENCODE: dict[str, tuple[int, ...]] = {
    ch: (code,) for code, ch in enumerate(DEFAULT_ALPHABET) if code != ESC
}
ENCODE.update({ch: (ESC, code) for code, ch in EXTENSION.items()})

assert len(DEFAULT_ALPHABET) == 128


def first_outside(text: str) -> str | None:
    """The first character of ``text`` that GSM 7-bit cannot carry, or None."""
    return next((ch for ch in text if ch not in ENCODE), None)


def septets(text: str) -> int:
    """Septets ``text`` takes (extension characters count 2); ValueError when not GSM 7-bit."""
    outside = first_outside(text)
    if outside is not None:
        raise ValueError(f"character {outside!r} (U+{ord(outside):04X}) is not GSM 7-bit")
    return sum(len(ENCODE[ch]) for ch in text)


__all__ = [
    "DEFAULT_ALPHABET",
    "ENCODE",
    "ESC",
    "EXTENSION",
    "SINGLE_PART_SEPTETS",
    "first_outside",
    "septets",
]
