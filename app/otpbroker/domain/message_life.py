"""A message's life after it was handed over, and the SMS that arrive: the news the device
gives back to applications (status API, webhooks, feeder replies, monitor, metrics).

A ``StatusEvent`` holds ids, a state, times and a masked number: never the text. An
``InboundSms`` holds a received text and its sender in memory only: nothing may write it
to disk (its ``repr`` masks both).
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field

from otpbroker.domain.msisdn import mask_msisdn


class MessageState(enum.Enum):
    """Where a message is in its life.

    ``accepted`` first; then one send outcome (``sent``, ``failed``, ``unknown``,
    ``expired``, ``refused``); after ``sent`` (or ``unknown``) a status report may bring
    ``delivered`` or ``not-delivered`` (multipart: once every part has its report).
    """

    ACCEPTED = "accepted"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REFUSED = "refused"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not-delivered"

    @property
    def final(self) -> bool:
        """True when no later state can follow (a report never comes after these)."""
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {
        MessageState.FAILED,
        MessageState.EXPIRED,
        MessageState.REFUSED,
        MessageState.DELIVERED,
        MessageState.NOT_DELIVERED,
    }
)


def new_event_id() -> str:
    """A fresh event id: the same event keeps it across every retry of its delivery."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StatusEvent:
    """One step of one message's life (ids, state, time, masked number: never the text).

    ``message_id``: the client's id (or the device's own when the client gave none);
    ``user``: the API user who sent it (None for feeders and the admin); ``source``: rest,
    rabbitmq, ws, mqtt, manual; ``at``: wall-clock time of the step (``time.time()``).
    """

    message_id: str
    state: MessageState
    source: str
    user: str | None = None
    modem_id: str | None = None
    recipient: str = ""
    """Masked (``mask_msisdn``)."""
    parts: int = 0
    error_code: str | None = None
    at: float = field(default_factory=time.time)
    event_id: str = field(default_factory=new_event_id)

    def as_json(self) -> dict[str, object]:
        """The event as every outward channel sends it (webhook body, feeder status)."""
        return {
            "event_id": self.event_id,
            "type": "status",
            "id": self.message_id,
            "state": self.state.value,
            "at": round(self.at, 3),
            "source": self.source,
            "modem": self.modem_id,
            "recipient": self.recipient,
            "parts": self.parts,
            "error_code": self.error_code,
        }


@dataclass(frozen=True, repr=False)
class InboundSms:
    """One received SMS, multipart reassembled (memory only: never logged or stored).

    ``sender``: as the network gave it (``+62...``, national digits, or an alphanumeric
    operator name); ``sent_at``: the service centre's time stamp; ``operator``: from the
    operator or a service (alphanumeric or short-code sender) rather than a person.
    """

    modem_id: str
    sender: str
    text: str
    sent_at: float
    parts: int = 1
    operator: bool = False
    received_at: float = field(default_factory=time.time)
    event_id: str = field(default_factory=new_event_id)
    partial: bool = False
    """A long message given up on with parts missing (``parts`` were received)."""

    def __repr__(self) -> str:
        """Masked sender and text length only."""
        return (
            f"InboundSms(modem_id={self.modem_id!r}, sender={mask_msisdn(self.sender)!r}, "
            f"text=<{len(self.text)} chars>, parts={self.parts}, operator={self.operator})"
        )

    __str__ = __repr__

    def as_json(self) -> dict[str, object]:
        """The message as webhooks and feeder status channels send it (text included: it
        goes to the application, never to disk)."""
        return {
            "event_id": self.event_id,
            "type": "inbound",
            "modem": self.modem_id,
            "sender": self.sender,
            "text": self.text,
            "sent_at": round(self.sent_at, 3),
            "received_at": round(self.received_at, 3),
            "parts": self.parts,
            "operator": self.operator,
            "partial": self.partial,
        }


ALERT_LEVELS = ("error", "warning", "cleared")


@dataclass(frozen=True)
class DeviceAlert:
    """An administrator's alert raised or cleared on the device, told to applications.

    ``kind``: one of ``services.alerts.KINDS`` (sim_account, dead, no_sms_path, ...);
    ``level``: error or warning when raised, cleared when cleared; ``title`` and ``text``:
    the device's own words, already scrubbed of digit runs by ``Alerts`` (never an OTP, a
    message text or a number).
    """

    kind: str
    key: str
    level: str
    title: str
    text: str
    modem_id: str | None = None
    at: float = field(default_factory=time.time)
    event_id: str = field(default_factory=new_event_id)

    def as_json(self) -> dict[str, object]:
        """The alert as webhooks and feeder status channels send it."""
        return {
            "event_id": self.event_id,
            "type": "alert",
            "kind": self.kind,
            "key": self.key,
            "level": self.level,
            "modem": self.modem_id,
            "title": self.title,
            "text": self.text,
            "at": round(self.at, 3),
        }


__all__ = [
    "ALERT_LEVELS",
    "FINAL_STATES",
    "DeviceAlert",
    "InboundSms",
    "MessageState",
    "StatusEvent",
    "new_event_id",
]
