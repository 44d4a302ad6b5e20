"""The two-way part of the composition root: what gives news back to applications.

The bus carries status events and received SMS from their producers (the message-status
tracker, the inbound reader) to their consumers (webhooks, feeder replies, the monitor's
charts, metrics). ``Broker`` builds this once, before the services that publish to it, and
starts and stops it with the rest.
"""

from __future__ import annotations

from otpbroker.services.activity_sampler import ActivitySampler, ModemSamples
from otpbroker.services.activity_series import ActivitySeries
from otpbroker.services.events import EventLog
from otpbroker.services.message_life import MessageLife
from otpbroker.services.two_way_bus import TwoWayBus


class TwoWay:
    """The bus and the parts that live on it."""

    def __init__(self) -> None:
        """A bus with no subscriber yet."""
        self.bus = TwoWayBus()
        self.life = MessageLife(self.bus)  # SmsService tells it each message's steps
        # The monitor's charts and the two-way metrics: the last hour and day, in memory
        self.activity = ActivitySeries()
        self.bus.subscribe_status(self.activity.on_status)
        self.bus.subscribe_inbound(self.activity.on_inbound)
        self._sampler: ActivitySampler | None = None

    def connect(self, events: EventLog, modems: ModemSamples) -> None:
        """Join what is built after the bus: the finished requests (``events``) and the
        modems' queue depth and signal (``modems``, sampled once started)."""
        events.subscribe(self.activity.on_sms)
        self._sampler = ActivitySampler(self.activity, modems)

    def start(self) -> None:
        """Start the parts that run threads (the activity sampler)."""
        if self._sampler is not None:
            self._sampler.start()

    def stop(self) -> None:
        """Stop them."""
        if self._sampler is not None:
            self._sampler.stop()


__all__ = ["TwoWay"]
