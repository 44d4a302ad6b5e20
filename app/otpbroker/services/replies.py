"""Response codes shared by every transport: the original product's plus our own.

``0000``, ``1101`` and ``1102`` keep the original's meaning; every other code is ours and
documented in ``docs/api.md``. Each code carries the HTTP status the REST API answers with.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Code(enum.Enum):
    """``(response_code, http_status)`` for every way a command can end."""

    OK = ("0000", 200)
    NO_MODEM = ("1101", 503)
    SEND_FAILED = ("1102", 502)
    OUTCOME_UNKNOWN = ("1103", 202)
    EXPIRED = ("1104", 410)
    RATE_LIMITED = ("1106", 429)
    NOT_ALLOWED = ("1107", 403)
    BLOCKED = ("1201", 403)
    INVALID_NUMBER = ("1202", 400)
    INVALID_MESSAGE = ("1203", 400)
    TOO_LONG = ("1204", 400)
    DUPLICATE = ("1205", 409)
    UNKNOWN_COMMAND = ("1206", 400)
    MALFORMED_JSON = ("1207", 400)
    BODY_TOO_LARGE = ("1208", 413)
    UNAUTHORIZED = ("1209", 401)
    NOT_CONFIGURED = ("1210", 503)
    INVALID_REQUEST = ("1211", 400)
    METHOD_NOT_ALLOWED = ("1212", 405)
    NOT_FOUND = ("1213", 404)
    UNSUPPORTED_MEDIA = ("1214", 415)
    OTP_INVALID = ("1301", 400)
    OTP_EXPIRED = ("1302", 410)
    OTP_TOO_MANY_ATTEMPTS = ("1303", 429)
    OTP_UNKNOWN_TOKEN = ("1304", 404)
    QUOTA_REACHED = ("1108", 503)
    TOO_MANY_CONNECTIONS = ("1109", 429)
    SERVICE_BUSY = ("1110", 503)
    REQUEST_TIMEOUT = ("1111", 408)
    STOPPING = ("1112", 503)
    CLAIMED_ELSEWHERE = ("1113", 503)
    LOGIN_THROTTLED = ("1215", 429)
    SEALED_INVALID = ("1216", 400)
    SEALED_REQUIRED = ("1217", 403)
    UNKNOWN_MESSAGE = ("1218", 404)
    INVALID_REPLY_TO = ("1219", 400)
    INTERNAL = ("1999", 500)

    @property
    def response_code(self) -> str:
        """The four-digit code in the JSON body."""
        return self.value[0]

    @property
    def http_status(self) -> int:
        """The HTTP status of the REST answer."""
        return self.value[1]


@dataclass(frozen=True)
class Reply:
    """The answer to one command, whatever transport it came by."""

    command: str
    code: Code
    text: str = "OK"
    data: dict[str, Any] | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        """The wire form: ``{"command", "response_code", "response_text"[, "data"]}``."""
        body: dict[str, Any] = {
            "command": self.command,
            "response_code": self.code.response_code,
            "response_text": self.text,
        }
        if self.data is not None:
            body["data"] = self.data
        return body

    @property
    def ok(self) -> bool:
        """True for ``0000``."""
        return self.code is Code.OK
