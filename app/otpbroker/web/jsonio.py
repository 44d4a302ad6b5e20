"""Reading request bodies safely and answering in JSON.

Bodies are read straight from ``wsgi.input`` with a hard size limit: bottle's own body
handling spools large bodies to a temporary file, and a message text must never reach disk.
"""

from __future__ import annotations

import json
import math
from typing import Any

import bottle

from otpbroker.services.replies import Code, Reply


class BodyError(Exception):
    """The body could not be read as a JSON object within the limits."""

    def __init__(self, code: Code, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def read_json(request: bottle.BaseRequest, limit: int) -> Any:
    """The decoded JSON body (at most ``limit`` bytes), or BodyError."""
    length_header = request.environ.get("CONTENT_LENGTH") or ""
    stream = request.environ["wsgi.input"]
    if length_header:
        if not length_header.isdigit():
            raise BodyError(Code.INVALID_REQUEST, "Content-Length is not a number")
        length = int(length_header)
        if length > limit:
            raise BodyError(Code.BODY_TOO_LARGE, f"body is {length} bytes, at most {limit} allowed")
        raw = stream.read(length) if length else b""
    else:
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyError(Code.BODY_TOO_LARGE, f"body is larger than {limit} bytes")
    if not raw.strip():
        raise BodyError(Code.MALFORMED_JSON, "the body is empty; a JSON object is expected")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(Code.MALFORMED_JSON, f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer too long
        where = getattr(exc, "msg", None) or "too deeply nested or a number too long"
        line = getattr(exc, "lineno", 0)
        column = getattr(exc, "colno", 0)
        raise BodyError(
            Code.MALFORMED_JSON, f"malformed JSON: {where} at line {line} column {column}"
        ) from None


def answer(response: bottle.BaseResponse, reply: Reply) -> str:
    """Set status and headers for ``reply``; return the JSON text."""
    response.status = reply.code.http_status
    response.content_type = "application/json"
    response.set_header("Cache-Control", "no-store")
    if reply.code is Code.UNAUTHORIZED:
        response.set_header("WWW-Authenticate", 'Basic realm="OTP Broker", charset="UTF-8"')
    retry_after = (reply.data or {}).get("retry_after")  # 1106, 1108: whole seconds to wait
    if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
        response.set_header("Retry-After", str(max(0, math.ceil(retry_after))))
    return json.dumps(reply.as_json(), ensure_ascii=False)
