"""Hex parsing and a bounds-checked octet reader: every overrun is a :class:`PduError`."""

from __future__ import annotations

import re

from .errors import PduError

_HEX = re.compile(r"[0-9A-Fa-f]*")


def parse_hex(pdu_hex: str, what: str = "PDU") -> bytes:
    """Turn a hex string (either case, surrounding whitespace ignored) into bytes.

    Raises :class:`PduError` for a non-string, an empty string, an odd length or a non-hex
    character.
    """
    if not isinstance(pdu_hex, str):
        raise PduError(f"{what} must be a hex string, got {type(pdu_hex).__name__}")
    text = pdu_hex.strip()
    if not text:
        raise PduError(f"{what} is empty")
    if not _HEX.fullmatch(text):
        raise PduError(f"{what} contains non-hex characters")
    if len(text) % 2:
        raise PduError(f"{what} has an odd number of hex digits ({len(text)})")
    return bytes.fromhex(text)


class Reader:
    """Sequential reader over PDU octets; reading past the end raises :class:`PduError`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def position(self) -> int:
        """Offset of the next unread octet."""
        return self._pos

    def remaining(self) -> int:
        """Number of octets not read yet."""
        return len(self._data) - self._pos

    def octet(self, what: str) -> int:
        """Read one octet; ``what`` names the field in the error message."""
        if self._pos >= len(self._data):
            raise PduError(f"PDU truncated: {what} missing at octet {self._pos}")
        value = self._data[self._pos]
        self._pos += 1
        return value

    def take(self, count: int, what: str) -> bytes:
        """Read ``count`` octets; ``what`` names the field in the error message."""
        if count > self.remaining():
            raise PduError(
                f"PDU truncated: {what} needs {count} octets at octet {self._pos}, "
                f"only {self.remaining()} left"
            )
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk
