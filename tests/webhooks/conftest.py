"""Webhook fixtures: a configuration store, a delivery with a short back-off, and receivers
on loopback that are stopped when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from webhook_receiver import WebhookReceiver

from otpbroker.config.snapshot import SettingsSnapshot
from otpbroker.config.store import ConfigStore
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.webhook_delivery import WebhookDelivery
from otpbroker.services.webhook_lane import Backoff
from otpbroker.services.webhooks import Webhooks
from otpbroker.webhooks.poster import HttpPoster
from otpbroker.webhooks.resolver import SocketResolver

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


@pytest.fixture
def rig(tmp_path) -> Iterator[Rig]:
    store = ConfigStore(tmp_path / "data")
    store.add("api_users", {"username": "app"})
    store.add("api_users", {"username": "other"})
    resolver = SocketResolver()
    delivery = WebhookDelivery(
        store, SettingsSnapshot(store), HttpPoster(), resolver, lambda: OWN, backoff=FAST
    )
    bus = TwoWayBus()
    delivery.connect(bus)
    delivery.start()
    yield Rig(store, bus, delivery, Webhooks(store, delivery, resolver, lambda: OWN))
    delivery.stop()
    store.close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., WebhookReceiver]]:
    """``receivers(port=0)``: a started receiver, stopped when the test ends."""
    started: list[WebhookReceiver] = []

    def start(port: int = 0) -> WebhookReceiver:
        started.append(WebhookReceiver(port).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()
