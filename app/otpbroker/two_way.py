"""The two-way part of the composition root: what gives news back to applications.

The bus carries status events and received SMS from their producers (the message-status
tracker, the inbound reader) to their consumers (webhooks, feeder replies, the monitor's
charts, metrics). ``Broker`` builds this once, before the services that publish to it, and
starts and stops it with the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

from otpbroker.services.message_life import MessageLife
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.webhook_delivery import SettingSource, WebhookDelivery
from otpbroker.services.webhooks import WebhookRecords, Webhooks
from otpbroker.system.status import network_addresses
from otpbroker.webhooks.poster import HttpPoster
from otpbroker.webhooks.resolver import SocketResolver


def own_addresses() -> Iterator[str]:
    """Every address of the device's interfaces (a webhook may not point at them)."""
    for families in network_addresses().values():
        yield from families.get("ipv4", [])
        yield from families.get("ipv6", [])


class TwoWay:
    """The bus and the parts that live on it."""

    def __init__(self) -> None:
        """A bus with no subscriber yet."""
        self.bus = TwoWayBus()
        self.life = MessageLife(self.bus)  # SmsService tells it each message's steps
        self.delivery: WebhookDelivery | None = None
        self.webhooks: Webhooks | None = None

    def connect_webhooks(self, store: WebhookRecords, settings: SettingSource) -> Webhooks:
        """Build the parts that read the configuration (``store``: the ``ConfigStore``):
        webhooks (records for the admin, delivery on the bus). Returns the webhooks."""
        resolver = SocketResolver()
        self.delivery = WebhookDelivery(store, settings, HttpPoster(), resolver, own_addresses)
        self.delivery.connect(self.bus)
        self.webhooks = Webhooks(store, self.delivery, resolver, own_addresses)
        return self.webhooks

    def start(self) -> None:
        """Start the parts that run threads (the webhooks' dispatcher)."""
        if self.delivery is not None:
            self.delivery.start()

    def stop(self) -> None:
        """Stop them (undelivered webhook events are dropped: memory only)."""
        if self.delivery is not None:
            self.delivery.stop()


__all__ = ["TwoWay"]
