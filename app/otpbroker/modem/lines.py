"""Split the byte stream of a modem into text lines, defensively.

Any byte sequence is accepted: bytes that are not valid UTF-8 become U+FFFD,
NUL bytes are dropped, and a line that never ends is cut at a fixed length,
so nothing a modem sends can kill or starve the reader.
"""

from __future__ import annotations

import re

MAX_LINE = 4096
_LINE_END = re.compile(rb"[\r\n]")


class LineSplitter:
    """Collect bytes and hand out complete lines (CR, LF or CR LF terminated)."""

    def __init__(self) -> None:
        self._partial = bytearray()

    def feed(self, data: bytes) -> list[str]:
        """Add bytes; return the non-empty lines they complete."""
        self._partial += data.replace(b"\x00", b"")
        *complete, rest = _LINE_END.split(bytes(self._partial))
        self._partial = bytearray(rest)
        if len(self._partial) >= MAX_LINE:
            complete.append(rest)
            self._partial.clear()
        lines = []
        for raw in complete:
            text = raw.decode("utf-8", errors="replace").strip()
            if text:
                lines.append(text)
        return lines

    @property
    def partial(self) -> bytes:
        """The bytes of the line not yet terminated (e.g. the ``> `` prompt)."""
        return bytes(self._partial)

    def take_prompt(self) -> bool:
        """Consume an SMS prompt (``>``) waiting in the unterminated line."""
        if self._partial.lstrip(b" ").startswith(b">"):
            self._partial.clear()
            return True
        return False

    def clear(self) -> None:
        """Forget any unterminated line."""
        self._partial.clear()
