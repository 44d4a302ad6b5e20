"""The OpenAPI text of ``GET /api/status/{id}``: one of the API user's own messages."""

from __future__ import annotations

from typing import Any

from otpbroker.domain.message_life import MessageState
from otpbroker.services.replies import Code
from otpbroker.services.sms import MAX_ID_CHARS

STATUS_PATH = "/api/status/{id}"
STATES = [state.value for state in MessageState]

STATUS_DATA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state", "history", "modem", "parts", "recipient", "error_code"],
    "properties": {
        "id": {"type": "string", "description": "The message id asked for."},
        "state": {
            "type": "string",
            "enum": STATES,
            "description": (
                "The latest state: `accepted`, then `sent`, `failed`, `unknown`, `expired` or "
                "`refused`; after `sent` (or `unknown`) the status report may bring "
                "`delivered` or `not-delivered` (multipart: every part delivered, or one "
                "part failed)."
            ),
        },
        "history": {
            "type": "array",
            "description": "Every state with its time (Unix seconds, milliseconds), oldest first.",
            "items": {
                "type": "object",
                "required": ["state", "at"],
                "properties": {
                    "state": {"type": "string", "enum": STATES},
                    "at": {"type": "number"},
                },
            },
        },
        "modem": {"type": "string", "nullable": True, "description": "Id of the modem used."},
        "parts": {"type": "integer", "minimum": 0, "description": "SMS parts."},
        "recipient": {"type": "string", "description": "The number, masked (`6281******66`)."},
        "error_code": {
            "type": "string",
            "nullable": True,
            "description": (
                "Why it failed: the send's error code, the rule that refused it, or "
                "`TP-ST:0x..` from a status report that says not delivered."
            ),
        },
    },
}


def _reply(codes: list[Code], data: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "command": {"type": "string", "enum": ["status", ""]},
        "response_code": {"type": "string", "enum": [code.response_code for code in codes]},
        "response_text": {"type": "string"},
    }
    if data is not None:
        properties["data"] = data
    return {
        "type": "object",
        "required": ["command", "response_code", "response_text"],
        "properties": properties,
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def status_operation(unauthorized: dict[str, Any], throttled: dict[str, Any]) -> dict[str, Any]:
    """``GET /api/status/{id}``; ``unauthorized`` and ``throttled`` are the command paths'
    401 and 429 answers (the same credentials and throttle)."""
    return {
        "operationId": "getMessageStatus",
        "summary": "The life of one of your messages: its states with their times",
        "description": (
            "Answers for the API user's own messages only, for `status.retention_seconds`. "
            "`id` is the message's `data.id` (the client's) or, when the request had none, "
            "the reply's `data.status_id`. Someone else's id and an unknown id get the same "
            "404 (1218)."
        ),
        "tags": ["commands"],
        "parameters": [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS},
            }
        ],
        "responses": {
            "200": _json(_reply([Code.OK], STATUS_DATA), "0000: the message's status."),
            "401": unauthorized,
            "404": _json(
                _reply([Code.UNKNOWN_MESSAGE], None),
                "1218: no message with this id is known for this API user.",
            ),
            "429": throttled,
        },
    }


__all__ = ["STATUS_DATA", "STATUS_PATH", "status_operation"]
