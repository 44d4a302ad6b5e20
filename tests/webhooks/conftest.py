"""Webhook fixtures: a configuration store, a delivery with a short back-off, and receivers
on loopback that are stopped when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from webhook_receiver import WebhookReceiver
from webhook_rig import FAST, OWN, Rig

from otpbroker.config.snapshot import SettingsSnapshot
from otpbroker.config.store import ConfigStore
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.webhook_delivery import WebhookDelivery
from otpbroker.services.webhooks import Webhooks
from otpbroker.webhooks.poster import HttpPoster
from otpbroker.webhooks.resolver import SocketResolver


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
