"""Choosing the encoding and splitting text into SMS parts (3GPP TS 23.040 9.2.3.24.1)."""

from __future__ import annotations

from typing import Literal

from .errors import EmptyMessageError
from .gsm7 import is_gsm7_char, septet_cost

Encoding = Literal["gsm7", "ucs2"]

SINGLE_PART_UNITS: dict[str, int] = {"gsm7": 160, "ucs2": 70}
"""Capacity of a single-part SMS: septets (GSM 7-bit) or UTF-16 code units (UCS2)."""

MULTI_PART_UNITS: dict[str, int] = {"gsm7": 153, "ucs2": 67}
"""Capacity of each part of a concatenated SMS (6-octet UDH with an 8-bit reference)."""


def choose_encoding(text: str) -> Encoding:
    """``"gsm7"`` when every character is in the GSM default alphabet or its extension
    table, else ``"ucs2"``."""
    return "gsm7" if all(is_gsm7_char(ch) for ch in text) else "ucs2"


def normalise_ucs2(text: str) -> str:
    """Join lone surrogate code points that form a pair, so a pair is never split."""
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")


def _cost(ch: str, encoding: Encoding) -> int:
    if encoding == "gsm7":
        return septet_cost(ch)
    return 2 if ord(ch) > 0xFFFF else 1


def split_text(text: str, encoding: Encoding, *, spare: int = 0) -> list[str]:
    """Split ``text`` into the parts it needs in ``encoding``.

    One part when it fits in 160 septets / 70 units, else chunks of at most 153 / 67, less
    ``spare`` (1 for a 16-bit concatenation reference, whose header is one octet longer).
    A character is never split: an escape pair or surrogate pair moves whole to the next
    part.
    """
    if not text:
        raise EmptyMessageError("message text is empty")
    if encoding == "ucs2":
        text = normalise_ucs2(text)
    costs = [_cost(ch, encoding) for ch in text]
    if sum(costs) <= SINGLE_PART_UNITS[encoding]:
        return [text]
    limit = MULTI_PART_UNITS[encoding] - spare
    parts: list[str] = []
    start = used = 0
    for index, cost in enumerate(costs):
        if used + cost > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    return parts


def count_parts(text: str) -> tuple[Encoding, int]:
    """(encoding, number of SMS parts) for ``text``; 1 for a single-part message.

    Raises :class:`EmptyMessageError` for empty text.
    """
    encoding = choose_encoding(text)
    return encoding, len(split_text(text, encoding))
