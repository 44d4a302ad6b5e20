"""The OpenAPI 3.0.3 document of the REST API, built from the configured command paths.

Every command path takes ``POST`` and ``PUT`` with the same body (one of the six commands)
and may answer with any of the codes below; the reply body is always
``{command, response_code, response_text[, data]}``. ``/metrics`` and this document need no
credentials. The request and reply schemas live in ``openapi_schemas``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from otpbroker import __version__
from otpbroker.services.replies import Code
from otpbroker.web.openapi_schemas import REPLY_DATA, REQUEST_BODY, REQUEST_SCHEMAS, reply_schema
from otpbroker.web.openapi_status import STATUS_PATH, status_operation

METRICS_PATH = "/metrics"
HEALTH_PATH = "/health"
LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
DOCUMENT_PATH = "/api/openapi.json"
WRITE_METHODS = ("post", "put")

#: Codes a command path can answer with, by HTTP status (others are for unknown paths/methods).
COMMAND_CODES = tuple(
    code
    for code in Code
    if code not in (Code.METHOD_NOT_ALLOWED, Code.NOT_FOUND, Code.UNSUPPORTED_MEDIA)
)

STATUS_TEXT = {
    200: "Done: sent (0000), blocked/unblocked, or the OTP is valid.",
    202: "1103: the modem did not confirm; the SMS may have gone out and is never resent.",
    400: (
        "The request was refused: invalid number (1202), invalid message (1203; also an "
        "autofill OTP text with a character that is not GSM 7-bit), message too long (1204; "
        "also an autofill OTP text over one GSM 7-bit part), unknown command (1206), "
        "malformed JSON (1207), missing or wrong field (1211), wrong OTP (1301), or a sealed "
        "message that does not open (1216)."
    ),
    401: "1209: missing or wrong credentials of an API user.",
    403: (
        "1201: the number is on the blocking list, 1107: the sending limits do not allow "
        "this number (`data.reason`), or 1217: this entry accepts only sealed messages."
    ),
    404: "1304: verify-otp with an unknown or already used token.",
    408: "1111: the front did not receive the whole request in `front.request_timeout_seconds`.",
    409: "1205: this message id was already accepted within the de-duplication window.",
    410: (
        "1104: the message expired (its ttl, valid_until or default expiry passed) before a "
        "modem could send it; it was not sent and never will be. 1302: the OTP has expired."
    ),
    413: "1208: the body is larger than `api.max_body_bytes`.",
    429: (
        "1106: over a sending limit (`data.reason`); retry after `data.retry_after` seconds "
        "(also the `Retry-After` header), 1303: too many wrong codes; the OTP is void, 1109: "
        "too many connections from this client address, or 1215: too many failed logins "
        "(retry after the `Retry-After` header)."
    ),
    500: "1999: an internal error (a bug); see the device log.",
    502: "1102: sending failed on every eligible modem; nothing was sent, a retry is safe.",
    503: (
        "1101: no modem available, 1108: every modem that could send it is at one of its "
        "SIM's caps (retry after `data.retry_after` seconds, also the `Retry-After` header), "
        "1210: e-mail is not configured, 1110: the device is busy (no worker was free in "
        "time), or 1112: the device is stopping (nothing was sent; retry after the "
        "`Retry-After` header)."
    ),
}

#: Statuses whose replies may carry ``data.retry_after``, sent as a ``Retry-After`` header too.
RETRY_AFTER_STATUSES = (429, 503)
RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Whole seconds to wait before retrying (replies with `data.retry_after`).",
    "required": False,
    "schema": {"type": "integer", "minimum": 0, "example": 1712},
}

COMMAND_DESCRIPTION = (
    "Runs the command named in the body. Every command path accepts every command (the "
    "paths are settings: `api.message_path`, `api.sms_path`, `api.mail_path`, "
    "`api.block_path`, `api.unblock_path`); `POST` and `PUT` are the same. Other methods "
    "answer 405 (1212)."
)

INFO_DESCRIPTION = (
    "REST API of OTP Broker, a self-hosted SMS/OTP gateway with GSM modems. Requests are "
    "authenticated with HTTP Basic credentials of an API user. Every reply is JSON with "
    "`command`, `response_code` (four digits), `response_text` and, for some, `data`; "
    "the HTTP status follows the code. See docs/api.md."
)


def _codes_by_status() -> dict[int, list[Code]]:
    grouped: dict[int, list[Code]] = {}
    for code in COMMAND_CODES:
        grouped.setdefault(code.http_status, []).append(code)
    return dict(sorted(grouped.items()))


def _reply_name(status: int) -> str:
    return f"Reply{status}"


def _command_responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in _codes_by_status():
        response: dict[str, Any] = {
            "description": STATUS_TEXT[status],
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{_reply_name(status)}"}
                }
            },
        }
        if status in RETRY_AFTER_STATUSES:
            response["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": "The Basic challenge.",
                    "required": True,
                    "schema": {"type": "string", "example": 'Basic realm="OTP Broker"'},
                }
            }
        if status == 503:
            response["headers"] = {
                "Retry-After": {
                    "description": "1108: whole seconds until a SIM has room again.",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        responses[str(status)] = response
    return responses


def _operation_id(method: str, path: str) -> str:
    return method + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_")


def _command_operation(method: str, path: str) -> dict[str, Any]:
    return {
        "operationId": _operation_id(method, path),
        "summary": "Run a command (send-sms, send-mail, block/unblock, request/verify-otp)",
        "description": COMMAND_DESCRIPTION,
        "tags": ["commands"],
        "requestBody": {"$ref": "#/components/requestBodies/Command"},
        "responses": _command_responses(),
    }


def _metrics_operation() -> dict[str, Any]:
    return {
        "operationId": "getMetrics",
        "summary": "Prometheus metrics: counts and modem states, never numbers or texts",
        "tags": ["monitoring"],
        "security": [],
        "responses": {
            "200": {
                "description": "Prometheus text exposition format 0.0.4.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    }


def _health_operation() -> dict[str, Any]:
    reply = {"application/json": {"schema": {"type": "object"}}}
    return {
        "operationId": "getHealth",
        "summary": "Whether the device takes work: ok, or stopping (1112, with Retry-After)",
        "tags": ["monitoring"],
        "security": [],
        "responses": {
            "200": {"description": "ok: `data.status` is `ok`.", "content": reply},
            "503": {
                "description": "1112: the device is stopping (`data.status` `stopping`); "
                "try again after the `Retry-After` header.",
                "content": reply,
            },
        },
    }


def _live_operation() -> dict[str, Any]:
    reply = {"application/json": {"schema": {"type": "object"}}}
    return {
        "operationId": "getHealthLive",
        "summary": "Whether the process answers (for systemd, monit, a liveness probe)",
        "description": "200 while the process serves requests, also while it stops "
        "(`data.stopping` says so): restart it only when this does not answer.",
        "tags": ["monitoring"],
        "security": [],
        "responses": {"200": {"description": "alive: `data.status` is `alive`.", "content": reply}},
    }


def _ready_operation() -> dict[str, Any]:
    reply = {"application/json": {"schema": {"type": "object"}}}
    return {
        "operationId": "getHealthReady",
        "summary": "Whether the device can take OTPs now (for a load balancer)",
        "description": "Ready when the device is not stopping and at least one modem can "
        "send API messages now. `data.modems` lists every configured modem (id, name, "
        "state and, when it cannot send, the reason); never a number or a setting.",
        "tags": ["monitoring"],
        "security": [],
        "responses": {
            "200": {"description": "ready: `data.status` is `ready`.", "content": reply},
            "503": {
                "description": "1101: no modem can send (`data.status` `not_ready`), or 1112: "
                "the device is stopping (`stopping`); try again after `Retry-After`.",
                "content": reply,
            },
        },
    }


def _document_operation() -> dict[str, Any]:
    return {
        "operationId": "getOpenApiDocument",
        "summary": "This OpenAPI document (it lists the command paths as configured)",
        "tags": ["monitoring"],
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.0.3 document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }


def build_document(paths: list[str]) -> dict[str, Any]:
    """The OpenAPI document as a dict, for the command ``paths``."""
    operations: dict[str, dict[str, Any]] = {}
    for path in paths:
        for method in WRITE_METHODS:
            operations.setdefault(path, {})[method] = _command_operation(method, path)
    operations.setdefault(METRICS_PATH, {})["get"] = _metrics_operation()
    operations.setdefault(DOCUMENT_PATH, {})["get"] = _document_operation()
    operations.setdefault(HEALTH_PATH, {})["get"] = _health_operation()
    operations.setdefault(LIVE_PATH, {})["get"] = _live_operation()
    operations.setdefault(READY_PATH, {})["get"] = _ready_operation()
    responses = _command_responses()
    operations[STATUS_PATH] = {"get": status_operation(responses["401"], responses["429"])}
    schemas: dict[str, Any] = dict(REQUEST_SCHEMAS)
    schemas["ReplyData"] = REPLY_DATA
    for status, codes in _codes_by_status().items():
        schemas[_reply_name(status)] = reply_schema(codes)
    return {
        "openapi": "3.0.3",
        "info": {"title": "OTP Broker", "version": __version__, "description": INFO_DESCRIPTION},
        "tags": [
            {"name": "commands", "description": "Sending, blocking and OTPs."},
            {"name": "monitoring", "description": "Metrics, health, this document (open)."},
        ],
        "security": [{"basicAuth": []}],
        "paths": dict(sorted(operations.items())),
        "components": {
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "User name and password of an API user.",
                }
            },
            "requestBodies": {
                "Command": {
                    "required": True,
                    "description": "One command object.",
                    "content": {"application/json": {"schema": REQUEST_BODY}},
                }
            },
            "schemas": schemas,
        },
    }


def openapi_document(paths: list[str]) -> str:
    """The document for the configured command paths, as JSON text."""
    return json.dumps(build_document(paths), ensure_ascii=False)
