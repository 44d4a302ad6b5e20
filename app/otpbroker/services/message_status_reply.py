"""The answer of ``GET /api/status/<id>``: one of the API user's own messages, or 1218.

Someone else's id and an id nobody used get the same answer, word for word: the reply never
tells whether another user sent a message with that id.
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.status_record import StatusRecord
from otpbroker.services.message_status import MessageStatus
from otpbroker.services.replies import Code, Reply
from otpbroker.services.sms import MAX_ID_CHARS

COMMAND = "status"
UNKNOWN_TEXT = "no message with this id is known for this API user"


def status_data(record: StatusRecord) -> dict[str, Any]:
    """A message's status as the API answers it (ids, states, times, the masked number)."""
    return {
        "id": record.message_id,
        "state": record.state,
        "history": [{"state": state, "at": round(at, 3)} for state, at in record.history],
        "modem": record.modem_id,
        "parts": record.parts,
        "recipient": record.recipient,
        "error_code": record.error_code,
    }


def status_reply(status: MessageStatus | None, user: str, message_id: str) -> Reply:
    """The status of ``user``'s message ``message_id``: ``0000`` with it, or ``1218``
    (unknown, or not this user's)."""
    if status is None or not message_id or len(message_id) > MAX_ID_CHARS:
        return Reply(COMMAND, Code.UNKNOWN_MESSAGE, UNKNOWN_TEXT)
    record = status.lookup(user, message_id)
    if record is None:
        return Reply(COMMAND, Code.UNKNOWN_MESSAGE, UNKNOWN_TEXT)
    return Reply(COMMAND, Code.OK, "ok", status_data(record))


__all__ = ["COMMAND", "UNKNOWN_TEXT", "status_data", "status_reply"]
