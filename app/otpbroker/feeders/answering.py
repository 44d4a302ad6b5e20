"""The hooks by which a feeder tells the application back (``replies.py``): each transport
overrides them to send status events and received SMS its own way, and counts what it
handed over or had to drop."""

from __future__ import annotations

import logging
from typing import Any

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.feeders.tally import FeederTally

log = logging.getLogger(__name__)


class Answering:
    """A feeder's side of the two-way bus (mixed into ``Feeder``)."""

    name: str
    tally: FeederTally

    @property
    def wants_inbound(self) -> bool:
        """True when received SMS go out on this feeder (its status destination is set)."""
        return False

    def tell_status(self, event: StatusEvent, route: Any) -> None:
        """A status event of one of this feeder's messages (``route``: where its request
        asked for answers, or None). Called in the producer's thread: must not block."""

    def tell_inbound(self, message: InboundSms) -> None:
        """A received SMS (when ``wants_inbound``). Must not block."""

    def tell_alert(self, alert: DeviceAlert) -> None:
        """A device alert raised or cleared (when ``wants_inbound``). Must not block."""

    def news_sent(self) -> None:
        """Count a reply, event or received SMS handed to the broker."""
        self.tally.add("news_sent")

    def news_dropped(self, what: str, why: str) -> None:
        """Count one that could not be handed over; logged (the first, then every 100th),
        never with its content."""
        self.tally.add("news_dropped")
        dropped = self.tally.counts()["news_dropped"]
        if dropped == 1 or dropped % 100 == 0:
            log.warning("%s feeder: %s not sent (%s; %d so far)", self.name, what, why, dropped)


__all__ = ["Answering"]
