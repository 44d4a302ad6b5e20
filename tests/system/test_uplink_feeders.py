"""The feeders across an uplink switch, in the namespaces of ``test_uplink_standby``: the
RabbitMQ feeder runs in the "device" namespace and reaches RabbitMQ at the server's public
address in "upstream", where a relay passes the connection on to the host's RabbitMQ on
loopback and notes which link each connection came over (its source address).

After each switch the feeder drops its connection and makes a new one over the new link;
messages published before, during and after the switches are all sent, each exactly once.
"""

from __future__ import annotations

import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_uplink_standby import (  # the namespaces, links and settings of the standby test
    ETH_IP,
    MOB_IP,
    SERVER_IP,
    Modems,
    Rig,
    VethLinks,
    in_netns,
    rig,
    settings,
)
from waiting import wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))
from amqp_tools import AMQP, Publisher, TcpProxy, rabbitmq_available, unique_queue
from broker_harness import BrokerHarness

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.services.uplink_watch import ETHERNET, MOBILE, UplinkWatch

__all__ = ["rig"]  # the fixture, used by name

PORT = 5672


def relay_in(namespace: str, target: tuple[str, int]) -> TcpProxy:
    """A proxy listening at the server's public address in ``namespace`` (a socket keeps the
    namespace it was made in), relaying each connection to ``target`` on this loopback."""
    return TcpProxy(target, in_netns(namespace, lambda: socket.create_server((SERVER_IP, PORT))))


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.add_modem(profile={"send_delay": 0.05})
    h.start()
    yield h
    h.stop()


def sms(i: int) -> dict:
    return {"command": "send-sms",
            "data": {"msisdn": f"0812{5000000 + i:07d}", "message": f"OTP uplink {i:03d}",
                     "id": f"uplink-{i}"}}  # fmt: skip


def test_the_rabbitmq_feeder_follows_each_switch_and_sends_each_message_once(
    rig: Rig, harness: BrokerHarness
) -> None:
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    relay = relay_in(rig.upstream.name, AMQP)
    publisher, queue = Publisher(), unique_queue()
    publisher.channel.queue_declare(queue, durable=True)
    feeder = RabbitMqFeeder(harness.broker.processor, {
        "host": SERVER_IP, "port": PORT, "username": "guest", "password": "guest",
        "queue": queue, "prefetch": 10})  # fmt: skip
    feeder.delays = (0.5, 1.0)
    in_netns(rig.device.name, feeder.start)  # its threads live in the device's namespace
    watch = UplinkWatch(settings(), rig.routes)
    watch.connect(VethLinks(rig.device), Modems(), feeder.reconnect)
    sent = lambda: [d.text for sim in harness.sims for d in sim.deliveries]  # noqa: E731
    published = 0

    def publish(count: int) -> None:
        nonlocal published
        for i in range(published, published + count):
            publisher.publish(queue, sms(i))
        published += count

    watch.start()
    try:
        assert wait_until(lambda: feeder.status.connected, 15), feeder.status
        assert relay.clients == [ETH_IP]
        publish(30)  # 1.5 s of sending: the switch comes while some are in flight
        rig.ethernet(False)
        assert wait_until(lambda: watch.state().active == MOBILE, 15), watch.state()
        assert wait_until(lambda: relay.clients[-1:] == [MOB_IP] and feeder.status.connected, 15)
        publish(20)
        rig.ethernet(True)
        assert wait_until(lambda: watch.state().active == ETHERNET, 15), watch.state()
        assert wait_until(lambda: relay.clients[-1:] == [ETH_IP] and feeder.status.connected, 15)
        publish(20)
        assert wait_until(lambda: len(sent()) >= published, 60), len(sent())
        assert wait_until(lambda: publisher.ready(queue) == 0, 30)
        time.sleep(1.0)  # let late duplicates (if any) show up
        assert Counter(sent()) == Counter(f"OTP uplink {i:03d}" for i in range(published))
        assert relay.clients == [ETH_IP, MOB_IP, ETH_IP]
        assert feeder.status.reconnects == 2 and feeder.status.last_error is None
    finally:
        watch.stop()
        feeder.stop()
        relay.close()
        publisher.delete([queue])
        publisher.close()
