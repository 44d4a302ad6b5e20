"""The two-way part of the composition root: what gives news back to applications.

The bus carries status events and received SMS from their producers (the message-status
tracker, the inbound reader) to their consumers (webhooks, feeder replies, the monitor's
charts, metrics). ``Broker`` builds this once, before the services that publish to it, and
starts and stops it with the rest.
"""

from __future__ import annotations

from otpbroker.services.inbound import InboundService
from otpbroker.services.message_life import MessageLife
from otpbroker.services.two_way_bus import TwoWayBus


class TwoWay:
    """The bus and the parts that live on it."""

    def __init__(self) -> None:
        """A bus with no subscriber yet."""
        self.bus = TwoWayBus()
        self.life = MessageLife(self.bus)  # SmsService tells it each message's steps
        # Received SMS: every modem's parts (ModemPool(on_inbound=...)), off until connected
        self.inbound = InboundService(self.bus)

    def start(self) -> None:
        """Start the parts that run threads (none yet)."""

    def stop(self) -> None:
        """Stop them."""


__all__ = ["TwoWay"]
