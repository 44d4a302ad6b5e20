"""JSON schemas of the REST API's request and reply bodies, for the OpenAPI document.

The limits mirror what ``services/command_processor.py`` enforces: a "string" field of a command
also takes a JSON integer (it is used as its decimal text), so an integer is limited by the
number of characters of that text; ``null`` is the same as leaving a field out.
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.delivery import MAX_TTL_SECONDS, Lane
from otpbroker.domain.message import MAX_TEXT_CHARS
from otpbroker.domain.msisdn import MAX_MSISDN_DIGITS, MIN_MSISDN_DIGITS
from otpbroker.domain.pumping import REASONS as REFUSAL_REASONS
from otpbroker.domain.send_errors import ErrorClass
from otpbroker.services.replies import Code

Schema = dict[str, Any]

# Longest text of each field, as commands.py checks it (str(value) for an integer).
MSISDN_CHARS = 64
ID_CHARS = 128
RECIPIENT_CHARS = 254
SUBJECT_CHARS = 200
TOKEN_CHARS = 128
OTP_CHARS = 16

OTP_RESULTS = ("valid", "invalid", "expired", "too_many_attempts", "unknown_token")
ERROR_CLASSES = tuple(error_class.value for error_class in ErrorClass)


def _integer_of_at_most(chars: int) -> Schema:
    """A JSON integer whose decimal text (with its minus sign) has at most ``chars`` characters."""
    return {
        "type": "integer",
        "minimum": -(10 ** (chars - 1) - 1),
        "maximum": 10**chars - 1,
    }


def text_or_integer(chars: int, description: str, *, nullable: bool = False) -> Schema:
    """A field read by ``_field``: a string, or an integer used as its decimal text."""
    text: Schema = {"type": "string", "maxLength": chars}
    if nullable:
        text["nullable"] = True
    return {
        "description": description,
        "oneOf": [text, _integer_of_at_most(chars)],
    }


MSISDN: Schema = {
    "description": (
        "Recipient number: national (`08126666666`, the device's country code replaces the "
        "leading 0), international (`+628126666666`, `00628126666666`) or MSISDN form "
        "(`628126666666`). Spaces, `-`, `.`, `(` and `)` are ignored; 6 to 15 digits remain. "
        "A JSON integer is taken as the MSISDN form."
    ),
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": MSISDN_CHARS, "example": "08126666666"},
        {
            "type": "integer",
            "minimum": 10 ** (MIN_MSISDN_DIGITS - 1),
            "maximum": 10**MAX_MSISDN_DIGITS - 1,
        },
    ],
}

MESSAGE_ID = text_or_integer(
    ID_CHARS,
    "Client's message id. The same id within `sms.dedup_window_seconds` is sent only once "
    "(1205); a definite failure (1102) releases it for a retry. Empty or absent: no check.",
    nullable=True,
)

SMS_TEXT: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_TEXT_CHARS,
    "description": (
        "The SMS text; it must contain a character that is not white space. It is split into "
        "at most `sms.max_parts` parts: 153 GSM 7-bit characters each (1530 in 10 parts), or "
        "67 UCS-2 characters each when the text needs Unicode (1204 when it does not fit)."
    ),
    "example": "OTP Anda adalah 1234",
}


SEND_SMS_OTP: Schema = {
    "type": "string",
    "pattern": "^[0-9]{4,10}$",
    "description": (
        "Instead of `message`: a code of 4 to 10 digits; the device writes the text from "
        "`otp.template` and adds the autofill lines of `otp.domain`, `otp.iframe_domain` and "
        "`otp.app_hash`. Giving both `message` and `otp` (even null) is 1211. With autofill "
        "lines the text must be one GSM 7-bit part: 1204 when too long, 1203 when a character "
        "is not GSM 7-bit. The code is only held in memory."
    ),
    "example": "482913",
}

TTL: Schema = {
    "type": "integer",
    "nullable": True,
    "minimum": 1,
    "maximum": MAX_TTL_SECONDS,
    "description": (
        "Seconds the message is worth from now; once they have passed it is never sent "
        "(1104). Not together with `valid_until`. Absent: the API user's default expiry, "
        "else `sms.default_ttl_seconds`. The validity period asked of the SMS centre is "
        "the time left (its steps are 5 minutes below 12 hours)."
    ),
    "example": 300,
}

VALID_UNTIL: Schema = {
    "description": (
        "When the message stops being worth sending: an ISO 8601 date and time with its UTC "
        "offset (`2026-12-06T10:00:00+07:00`, `...Z`) or whole Unix seconds; at most 7 days "
        "ahead. Not together with `ttl`. A time already past answers 1104 at once."
    ),
    "oneOf": [
        {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "example": "2026-12-06T10:00:00+07:00",
        },
        {"type": "integer"},
    ],
}

PRIORITY: Schema = {
    "type": "string",
    "nullable": True,
    "enum": [lane.value for lane in Lane] + [None],
    "description": (
        "The lane the message waits in for a modem: `otp` messages go before every waiting "
        "`bulk` one (at most the one send in flight is waited for). Absent: the API user's "
        "default priority, else `otp`. request-otp always uses `otp`."
    ),
}


def _command(name: str, summary: str, data: Schema, required: list[str]) -> Schema:
    return {
        "type": "object",
        "title": name,
        "description": summary,
        "required": ["command", "data"],
        "properties": {
            "command": {"type": "string", "enum": [name]},
            "data": {"type": "object", "required": required, "properties": data},
        },
    }


def _one_of_text(command: Schema) -> Schema:
    """send-sms: exactly one of ``message`` and ``otp``."""
    data = command["properties"]["data"]
    data["oneOf"] = [
        {"required": ["message"], "not": {"required": ["otp"]}},
        {"required": ["otp"], "not": {"required": ["message"]}},
    ]
    return command


REQUEST_SCHEMAS: dict[str, Schema] = {
    "SendSms": _one_of_text(
        _command(
            "send-sms",
            "Send one SMS (`message`, or `otp` to have the device write the text); the answer "
            "comes when the modem has the outcome.",
            {
                "id": MESSAGE_ID,
                "msisdn": MSISDN,
                "message": SMS_TEXT,
                "otp": SEND_SMS_OTP,
                "ttl": TTL,
                "valid_until": VALID_UNTIL,
                "priority": PRIORITY,
            },
            ["msisdn"],
        )
    ),
    "SendMail": _command(
        "send-mail",
        "Send one e-mail (1210 while e-mail is not configured).",
        {
            "recipient": text_or_integer(RECIPIENT_CHARS, "E-mail address of the recipient."),
            "subject": text_or_integer(SUBJECT_CHARS, "Subject line.", nullable=True),
            "message": {"type": "string", "description": "Body of the e-mail."},
        },
        ["recipient", "message"],
    ),
    "BlockMsisdn": _command(
        "block-msisdn",
        "Put a number on the blocking list: nothing is sent to it until it is unblocked.",
        {"msisdn": MSISDN},
        ["msisdn"],
    ),
    "UnblockMsisdn": _command(
        "unblock-msisdn",
        "Take a number off the blocking list.",
        {"msisdn": MSISDN},
        ["msisdn"],
    ),
    "RequestOtp": _command(
        "request-otp",
        "The device makes a code, sends it with `otp.template` (and the autofill lines of "
        "`otp.domain`, `otp.iframe_domain`, `otp.app_hash`) and answers with a token.",
        {
            "id": MESSAGE_ID,
            "msisdn": MSISDN,
            "message": {"type": "string", "description": "Ignored: the text is the template."},
            "ttl": TTL,
            "valid_until": VALID_UNTIL,
            "priority": PRIORITY,
        },
        ["msisdn"],
    ),
    "VerifyOtp": _command(
        "verify-otp",
        "Check a code the user typed against the token of request-otp (a token is used once).",
        {
            "token": text_or_integer(TOKEN_CHARS, "The token answered by request-otp."),
            "otp": text_or_integer(OTP_CHARS, "The code the user typed."),
        },
        ["token", "otp"],
    ),
}

REQUEST_BODY: Schema = {
    "oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in REQUEST_SCHEMAS],
    "discriminator": {
        "propertyName": "command",
        "mapping": {
            schema["properties"]["command"]["enum"][0]: f"#/components/schemas/{name}"
            for name, schema in REQUEST_SCHEMAS.items()
        },
    },
}

REPLY_DATA: Schema = {
    "type": "object",
    "description": "Details of the outcome; which fields appear depends on the command.",
    "properties": {
        "id": {"type": "string", "nullable": True, "description": "The message id, as text."},
        "modem": {"type": "string", "nullable": True, "description": "Id of the modem used."},
        "reference": {
            "type": "integer",
            "nullable": True,
            "description": "Message reference (TP-MR) the network gave (first part).",
        },
        "parts": {"type": "integer", "minimum": 0, "description": "SMS parts sent."},
        "error_code": {
            "type": "string",
            "nullable": True,
            "description": "Modem or network error (1102, 1103); `EXPIRED` for 1104.",
        },
        "error_class": {
            "type": "string",
            "nullable": True,
            "enum": [*ERROR_CLASSES, None],
            "description": (
                "What the error means (1102, 1103): `number` (the number or this message is "
                "the problem; not tried on another modem), `sim` (a SIM's account: barred, "
                "no credit), `transient` (network or modem trouble; retry later), "
                "`configuration` (a modem's settings, e.g. its SMS centre), `no_sms_path` "
                "(the modem has no SMS path), `unknown`."
            ),
        },
        "error_text": {
            "type": "string",
            "nullable": True,
            "description": "The error in plain words (1102, 1103).",
        },
        "duplicate": {
            "type": "boolean",
            "description": (
                "True when the message was not sent now because the send ledger holds its "
                "id as sent or possibly sent (before a restart, or before the duplicate "
                "window): the reply is its first outcome (0000, 1103)."
            ),
        },
        "state": {
            "type": "string",
            "enum": ["sent", "unknown"],
            "description": "With `duplicate`: the first outcome (`sent`, or `unknown`).",
        },
        "status_id": {
            "type": "string",
            "description": (
                "send-sms, request-otp without an `id`: the id the device gave the message; "
                "ask GET /api/status/{id} with it."
            ),
        },
        "token": {"type": "string", "description": "request-otp: the token for verify-otp."},
        "expires_in": {"type": "integer", "description": "request-otp: seconds to verify."},
        "msisdn": {"type": "string", "description": "block/unblock: the number, MSISDN form."},
        "result": {"type": "string", "enum": list(OTP_RESULTS), "description": "verify-otp."},
        "reason": {
            "type": "string",
            "enum": list(REFUSAL_REASONS),
            "description": (
                "1106, 1107: the sending limit that refused the message: `recipient`, `prefix`, "
                "`user` (rate limits), `country`, `prefix_denied`, `prefix_not_allowed` (lists)."
            ),
        },
        "retry_after": {
            "type": "integer",
            "minimum": 0,
            "description": (
                "1106: whole seconds until the message would pass the rate limits; 1108: "
                "until the first capped modem has room again (also the Retry-After header)."
            ),
        },
    },
}


def reply_schema(codes: list[Code]) -> Schema:
    """The reply body with ``response_code`` limited to ``codes``."""
    return {
        "type": "object",
        "required": ["command", "response_code", "response_text"],
        "properties": {
            "command": {
                "type": "string",
                "maxLength": 64,
                "description": "The request's command; empty when it could not be read.",
            },
            "response_code": {"type": "string", "enum": [code.response_code for code in codes]},
            "response_text": {"type": "string", "description": "What happened, for people."},
            "data": {"$ref": "#/components/schemas/ReplyData"},
        },
    }
