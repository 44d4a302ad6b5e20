"""The RabbitMQ feeder names its connection after the device (``fleet.device_name``, else
the host name), so the broker's consumer list says which device a consumer is: a running
Broker (one emulated modem) on the machine's RabbitMQ, its connections read with
``rabbitmqctl list_connections``, then renamed; the fleet page shows the name."""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from amqp_tools import Publisher, rabbitmq_available, rabbitmqctl, unique_queue
from waiting import wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import BrokerHarness, running_broker

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.manager import feeder_settings
from otpbroker.services.fleet_names import connection_name, device_of

WAIT = 60.0


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    if not rabbitmq_available() or rabbitmqctl() is None:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672 or no rabbitmqctl")
    queue = unique_queue("otpb-names")
    for h in running_broker(tmp_path / "data", with_user=True):
        h.queue = queue
        yield h
        h.broker.store.update_settings({"feeders.rabbitmq.enabled": False})
    publisher = Publisher()
    try:
        publisher.delete([queue])
    finally:
        publisher.close()


def connection_names() -> list[str]:
    """The ``connection_name`` of every connection the broker has now."""
    ctl = rabbitmqctl()
    assert ctl is not None
    listing = subprocess.run(
        [ctl, "-q", "list_connections", "--no-table-headers", "name", "client_properties"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return re.findall(r'\{"connection_name","([^"]*)"\}', listing.stdout)


def named(device: str) -> list[str]:
    """This test's feeder connections named after ``device``."""
    return [name for name in connection_names() if device_of(name) == device]


def test_the_connection_is_named_after_the_device_and_follows_a_new_name(
    harness: BrokerHarness,
):
    device = f"pi-east-{harness.queue[-8:]}"
    harness.broker.store.update_settings({
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": harness.queue, "fleet.device_name": device,
    })  # fmt: skip
    assert wait_until(lambda: len(named(device)) == 1, WAIT, step=0.5), connection_names()
    [name] = named(device)
    assert re.fullmatch(rf"{device} otp-broker rabbitmq feeder [0-9a-f]{{8}}", name)
    feeder = harness.broker.feeders.feeder("rabbitmq")
    assert feeder is not None and feeder.connection_name == name

    admin = AdminClient(harness.base)
    admin.setup(harness.broker.setup_code.read())
    status, page, _headers = admin.get("/fleet")
    assert status == 200
    assert f"{device} otp-broker rabbitmq feeder …" in html.unescape(page)

    renamed = f"pi-west-{harness.queue[-8:]}"
    harness.broker.store.update_settings({"fleet.device_name": renamed})  # restarts the feeder
    assert wait_until(lambda: len(named(renamed)) == 1 and not named(device), WAIT, step=0.5), (
        connection_names()
    )


def test_without_a_device_name_the_host_name_names_it():
    settings = feeder_settings({"feeders.rabbitmq.queue": "q", "fleet.device_name": ""},
                               "rabbitmq")  # fmt: skip
    feeder = RabbitMqFeeder(None, settings)  # type: ignore[arg-type]
    assert device_of(feeder.connection_name) == socket.gethostname()[:64]
    assert feeder.parameters().client_properties["connection_name"] == feeder.connection_name
    assert device_of(connection_name("pi-1", "rabbitmq", "ab12cd34")) == "pi-1"
    assert device_of("otp-broker connection test") == ""  # not a device's connection
    assert device_of("some other client") == ""
