"""Each message's life, told on the two-way bus as it happens.

``SmsService`` opens a ``Ticket`` once a message is accepted (valid, not a duplicate) and
closes it with the send's outcome, or with ``refused`` when a rule kept it from every
modem (blocking list, no modem, SIM quota, stopping). Each step becomes a ``StatusEvent``:
ids, state, time and the masked number, never the text.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.services.message_status import MessageStatus, Sent
from otpbroker.services.two_way_bus import TwoWayBus

OUTCOME_STATES = {
    SendOutcome.SENT: MessageState.SENT,
    SendOutcome.FAILED: MessageState.FAILED,
    SendOutcome.UNKNOWN: MessageState.UNKNOWN,
    SendOutcome.EXPIRED: MessageState.EXPIRED,
}


@dataclass(frozen=True)
class Ticket:
    """One accepted message as its life is followed: the id it is known by (the client's,
    or one the device made when the client gave none), where it came from, who sent it,
    and the recipient masked."""

    message_id: str
    source: str
    user: str | None
    recipient: str
    msisdn: str = field(default="", repr=False, compare=False)
    """The whole number (memory only: the status tracker keeps a keyed digest of it)."""


def device_message_id() -> str:
    """An id for a message its client gave none (``d-`` and 20 hex digits)."""
    return "d-" + uuid.uuid4().hex[:20]


class MessageLife:
    """Publishes each step of each message's life on ``bus``, through ``status`` (the
    tracker that keeps it and matches status reports) when there is one."""

    def __init__(
        self,
        bus: TwoWayBus,
        status: MessageStatus | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing followed yet; ``clock`` (wall-clock time) stamps the steps."""
        self._bus = bus
        self._status = status
        self._clock = clock

    def accepted(
        self, message_id: str | None, source: str, user: str | None, msisdn: str
    ) -> Ticket:
        """A message was accepted: its ticket, told as ``accepted``."""
        ticket = Ticket(
            message_id or device_message_id(), source, user, mask_msisdn(msisdn), str(msisdn)
        )
        self._tell(ticket, MessageState.ACCEPTED)
        return ticket

    def finished(self, ticket: Ticket, delivery: Delivery) -> None:
        """Its send ended (sent, failed, unknown or expired)."""
        state = OUTCOME_STATES[delivery.outcome]
        error = None if delivery.outcome is SendOutcome.SENT else delivery.error_code
        sent = Sent(delivery.message_references, ticket.msisdn)
        self._tell(ticket, state, delivery.modem_id, delivery.parts, error, sent)

    def refused(self, ticket: Ticket, code: str) -> None:
        """A rule kept it from every modem (``code``: the error's code)."""
        self._tell(ticket, MessageState.REFUSED, error=code)

    def _tell(
        self,
        ticket: Ticket,
        state: MessageState,
        modem_id: str | None = None,
        parts: int = 0,
        error: str | None = None,
        sent: Sent | None = None,
    ) -> None:
        event = StatusEvent(
            ticket.message_id, state, ticket.source, ticket.user, modem_id,
            ticket.recipient, parts, error, self._clock(),
        )  # fmt: skip
        if self._status is not None:
            self._status.tell(event, sent)  # kept, then published in order with reports
        else:
            self._bus.publish_status(event)


__all__ = ["MessageLife", "Ticket", "device_message_id"]
