"""The webhook tests' constants and rig: a short back-off, the device's own address as a
fake interface list tells it, and a store, bus, delivery and webhooks service together."""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.config.store import ConfigStore
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.webhook_delivery import WebhookDelivery
from otpbroker.services.webhook_lane import Backoff
from otpbroker.services.webhooks import Webhooks

#: A back-off short enough for tests (the product's starts at 1 s and doubles to 5 min).
FAST = Backoff(first=0.02, cap=0.3)
OWN = ("192.0.2.44",)  # the device's own address, as the fake interface list tells it


@dataclass
class Rig:
    """A store, a bus, the delivery on it and the webhooks service."""

    store: ConfigStore
    bus: TwoWayBus
    delivery: WebhookDelivery
    webhooks: Webhooks

    def add(self, url: str, owner: str = "app", events=("status",), **fields) -> dict:
        """Add a webhook that may post to loopback; the record with its secret."""
        values = {
            "owner": owner,
            "url": url,
            "events": list(events),
            "allow_private_address": True,
            **fields,
        }
        record, secret = self.webhooks.add(values)
        return {**record, "secret": secret}
