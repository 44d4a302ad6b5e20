"""A cap on request bodies, enforced in front of a WSGI app before anything reads the body.

``limit_body(app, limit, answer)`` looks at the declared ``Content-Length`` first and does
not call ``app`` at all when it is unusable: a body-carrying method (POST, PUT, PATCH) or a
chunked body without one gets 411, a malformed one 400, one larger than ``limit`` 413. An
accepted request reaches ``app`` with ``wsgi.input`` wrapped so that at most the declared
length can be read, whatever the client sends after it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused before its body was read."""

    status: int
    message: str

    @property
    def status_line(self) -> str:
        """``"413 Request Entity Too Large"`` and so on."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def declared_length(environ: dict[str, Any], limit: int) -> int | Refusal:
    """The body length the request declares (0: none), or why it cannot be accepted."""
    header = str(environ.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    if not header:
        if chunked or str(environ.get("REQUEST_METHOD", "GET")).upper() in BODY_METHODS:
            return Refusal(411, "the request must say how long its body is (Content-Length)")
        return 0
    if not (header.isascii() and header.isdigit()):
        return Refusal(400, f"Content-Length {header[:40]!r} is not a number of bytes")
    length = int(header)
    if length > limit:
        return Refusal(413, f"the request body is {length} bytes; at most {limit} are accepted")
    return length


class CappedInput(io.RawIOBase):
    """A read-only stream giving at most ``length`` bytes of ``stream``."""

    def __init__(self, stream: Any, length: int) -> None:
        super().__init__()
        self._stream = stream
        self.remaining = length

    def readable(self) -> bool:
        """Always True."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative or None)."""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if wanted <= 0:
            return b""
        data = self._stream.read(wanted)[:wanted]
        self.remaining -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` as far as the cap and the stream allow."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, never past the cap."""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if wanted <= 0:
            return b""
        data = self._stream.readline(wanted)[:wanted]
        self.remaining -= len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


Headers = list[tuple[str, str]]
Answer = Callable[[dict[str, Any], Refusal], tuple[Headers, bytes]]


def plain_answer(_environ: dict[str, Any], refusal: Refusal) -> tuple[Headers, bytes]:
    """The refusal as one line of plain text."""
    text = f"{refusal.status_line}: {refusal.message}\n"
    return [("Content-Type", "text/plain; charset=utf-8")], text.encode()


def limit_body(
    app: WsgiApp, limit: int | Callable[[], int], answer: Answer = plain_answer
) -> WsgiApp:
    """``app`` behind the cap: ``limit`` bytes (or a function giving the current limit);
    ``answer`` makes the headers and body of a refusal."""

    def limited(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        current = limit() if callable(limit) else limit
        length = declared_length(environ, current)
        if isinstance(length, Refusal):
            headers, body = answer(environ, length)
            headers = [*headers, ("Content-Length", str(len(body)))]
            start_response(length.status_line, headers)
            return [body]
        environ["wsgi.input"] = CappedInput(environ.get("wsgi.input") or io.BytesIO(), length)
        return app(environ, start_response)

    return limited
