"""Append-only files of JSON records, one per line, each behind its CRC-32:
``<crc32 hex> <json>``. A power cut can tear the last line; a torn or corrupt line is
recognised and left out, the others still read (the send ledger, the status journal)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def checked_line(body: dict[str, Any]) -> bytes:
    """One record as its line (newline included)."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(raw), raw)


def complete_lines(data: bytes) -> Iterator[bytes]:
    """The file's lines without their newline; a last one without its newline is torn and
    comes as a line that never checks out."""
    pieces = data.split(b"\n")
    if pieces[-1]:
        yield b"torn"
    yield from (piece for piece in pieces[:-1] if piece)


def file_lines(path: Path) -> list[bytes]:
    """``complete_lines`` of the file at ``path``; none when it does not exist yet (its
    directory is made, so the file can be created)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return []
    return list(complete_lines(data))


def checked_body(line: bytes) -> dict[str, Any] | None:
    """The record of one line; None when its checksum or its JSON is wrong."""
    checksum, _, raw = line.rstrip(b"\n").partition(b" ")
    try:
        if int(checksum, 16) != zlib.crc32(raw):
            return None
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


__all__ = ["checked_body", "checked_line", "complete_lines", "file_lines"]
