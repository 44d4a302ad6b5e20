"""The replies of the command set: a domain refusal or a finished send, as a ``Reply``.

Every transport answers with these (REST as JSON with the HTTP status of the code, the
feeders' reply channels); no reply ever holds a message text.
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.errors import (
    BlockedNumberError,
    DomainError,
    DuplicateMessageError,
    InvalidMessageError,
    InvalidNumberError,
    NoModemAvailableError,
    QuotaReachedError,
    SendRefusedError,
    StoppingError,
)
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.services.replies import Code, Reply
from otpbroker.services.shared_ledger import ClaimedElsewhereError

_DOMAIN_CODES: dict[type[DomainError], Code] = {
    InvalidNumberError: Code.INVALID_NUMBER,
    BlockedNumberError: Code.BLOCKED,
    DuplicateMessageError: Code.DUPLICATE,
    NoModemAvailableError: Code.NO_MODEM,
}


def _refused_reply(command: str, exc: SendRefusedError) -> Reply:
    """1106 with ``data.retry_after`` for a rate limit, 1107 for the allow/deny lists."""
    if exc.retry_after is not None:
        data = {"reason": exc.reason, "retry_after": exc.retry_after}
        return Reply(command, Code.RATE_LIMITED, exc.message, data)
    return Reply(command, Code.NOT_ALLOWED, exc.message, {"reason": exc.reason})


def domain_reply(command: str, exc: DomainError) -> Reply:
    """The reply for a request a domain rule refused (nothing was sent)."""
    if isinstance(exc, SendRefusedError):
        return _refused_reply(command, exc)
    if isinstance(exc, StoppingError):
        return stopping_reply(command, exc.message)
    if isinstance(exc, ClaimedElsewhereError):
        return Reply(command, Code.CLAIMED_ELSEWHERE, exc.message, {"retry_after": exc.retry_after})
    if isinstance(exc, QuotaReachedError):
        return Reply(command, Code.QUOTA_REACHED, exc.message, {"retry_after": exc.retry_after})
    if isinstance(exc, InvalidMessageError):
        code = Code.TOO_LONG if exc.reason == "too_long" else Code.INVALID_MESSAGE
        return Reply(command, code, exc.message)
    for kind, code in _DOMAIN_CODES.items():
        if isinstance(exc, kind):
            return Reply(command, code, exc.message)
    return Reply(command, Code.INVALID_REQUEST, exc.message)


def stopping_reply(command: str, text: str = "the device is stopping; not accepted") -> Reply:
    """1112: the device is stopping and nothing was sent; ``data.retry_after`` (also the
    REST answer's ``Retry-After``) says when to try again, with the same id."""
    return Reply(command, Code.STOPPING, text, {"retry_after": StoppingError.retry_after})


def delivery_reply(command: str, delivery: Delivery, data: dict[str, Any]) -> Reply:
    """The reply for a finished send: sent, failed (1102), unknown (1103) or expired (1104)."""
    data = {**data, "modem": delivery.modem_id, "reference": delivery.message_reference,
            "parts": delivery.parts}  # fmt: skip
    if delivery.status_id is not None and data.get("id") in (None, ""):
        data["status_id"] = delivery.status_id  # the id the device made: GET /api/status/<id>
    if delivery.duplicate:  # sent (or possibly sent) before, e.g. before a restart
        return _first_outcome_reply(command, delivery, data)
    if delivery.outcome is SendOutcome.SENT:
        return Reply(command, Code.OK, "sent", data)
    if delivery.outcome is SendOutcome.EXPIRED:
        data["error_code"] = delivery.error_code
        return Reply(
            command, Code.EXPIRED,
            "the message expired before a modem could send it (its ttl, valid_until or "
            "default expiry passed): it was not sent and will not be sent",
            data,
        )  # fmt: skip
    data["error_code"] = delivery.error_code
    data["error_class"] = delivery.error_class  # number, sim, transient, configuration...
    data["error_text"] = delivery.error_text
    if delivery.outcome is SendOutcome.UNKNOWN:
        return Reply(
            command, Code.OUTCOME_UNKNOWN,
            "the modem did not confirm; the message may have been sent and will not be resent",
            data,
        )  # fmt: skip
    tried = ", ".join(f"{a.modem_id}: {a.error}" for a in delivery.attempts) or delivery.error
    why = f": {delivery.error_text}" if delivery.error_text else ""
    if delivery.error_class == "number":
        why += " (the number is the problem: not tried on another modem)"
    return Reply(command, Code.SEND_FAILED, f"sending failed ({tried}){why}", data)


def _first_outcome_reply(command: str, delivery: Delivery, data: dict[str, Any]) -> Reply:
    """A send answered from the send ledger: the first outcome's reply, with the error
    fields of an unknown outcome."""
    if delivery.outcome is not SendOutcome.SENT:
        data.update(error_code=None, error_class="unknown", error_text=None)
    return already_sent_reply(command, delivery.outcome, data)


def already_sent_reply(command: str, first: SendOutcome, data: dict[str, Any]) -> Reply:
    """The reply for a message not sent now because the send ledger holds it as sent or
    possibly sent (``first``): the first outcome's code, ``data.duplicate`` and
    ``data.state``."""
    data = {**data, "duplicate": True, "state": first.value}
    if first is SendOutcome.SENT:
        return Reply(command, Code.OK, "already sent; not sent again", data)
    text = "an earlier copy may have been sent (its outcome is unknown); not sent again"
    return Reply(command, Code.OUTCOME_UNKNOWN, text, data)


__all__ = ["already_sent_reply", "delivery_reply", "domain_reply", "stopping_reply"]
