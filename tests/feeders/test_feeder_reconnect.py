"""A feeder's reconnect after an uplink switch, with the real RabbitMQ and Mosquitto on
loopback, a real Broker and emulated modems on ptys.

The switch is played by a loopback TCP proxy: ``freeze()`` silences the connections made so
far (their route is gone: nothing passes, nothing is closed), new connections pass. The
feeders' heartbeat and keep-alive are set far beyond the waits here, so only ``reconnect()``
can bring the messages published after the switch through. The old connections are reset at
the end (the broker notices the dead link): what they held unacknowledged comes again and is
answered as a duplicate. Every message is sent exactly once.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import AMQP, Publisher, TcpProxy, rabbitmq_available, unique_queue, wait_until
from broker_harness import BrokerHarness
from mqtt_tools import HOST, PORT, MqttPublisher, drop_session, make_session, mosquitto_available

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.base import Feeder
from otpbroker.feeders.mqtt import MqttFeeder

BEFORE, AFTER = 40, 40


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    for _ in range(2):
        h.add_modem(profile={"send_delay": 0.05})
    h.start()
    yield h
    h.stop()


def delivered(h: BrokerHarness) -> list[str]:
    return [d.text for sim in h.sims for d in sim.deliveries]


def sms(i: int) -> dict:
    return {"command": "send-sms",
            "data": {"msisdn": f"0812{4000000 + i:07d}", "message": f"OTP switch {i:03d}",
                     "id": f"switch-{i}"}}  # fmt: skip


def switch_mid_stream(harness: BrokerHarness, feeder: Feeder, proxy: TcpProxy, publish,
                      caplog) -> None:  # fmt: skip
    """Publish, switch (freeze + reconnect), publish more; all arrive exactly once."""
    caplog.set_level(logging.DEBUG, logger="otpbroker.feeders.base")
    wait_until(lambda: feeder.status.connected, 15, "the feeder connected")
    for i in range(BEFORE):
        publish(sms(i))
    wait_until(lambda: len(delivered(harness)) >= 5, 30, "the first messages sent")
    proxy.freeze()  # the old uplink is gone: its connection hangs
    feeder.reconnect()
    wait_until(lambda: proxy.accepted == 2 and feeder.status.connected, 15, "a new connection")
    for i in range(BEFORE, BEFORE + AFTER):
        publish(sms(i))
    after = {f"OTP switch {i:03d}" for i in range(BEFORE, BEFORE + AFTER)}
    wait_until(lambda: after <= set(delivered(harness)), 60, "the later messages sent")
    proxy.cut_frozen()  # the broker notices the old connection is dead
    wanted = [f"OTP switch {i:03d}" for i in range(BEFORE + AFTER)]
    wait_until(lambda: len(delivered(harness)) >= len(wanted), 60, "every message sent")
    time.sleep(1.0)  # let late duplicates (if any) show up
    assert Counter(delivered(harness)) == Counter(wanted)  # 0 lost, 0 twice
    status = feeder.status
    assert status.processed == len(wanted) and status.rejected == status.received - len(wanted)
    assert status.connected and status.reconnects == 1 and status.last_error is None
    assert proxy.accepted == 2
    assert "dropped for a reconnect" not in caplog.text  # the drop itself raised nothing


def test_rabbitmq_feeder_reconnects_at_once_and_loses_or_repeats_nothing(harness, caplog):
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    publisher, queue, proxy = Publisher(), unique_queue(), TcpProxy(AMQP)
    publisher.channel.queue_declare(queue, durable=True)
    feeder = RabbitMqFeeder(harness.broker.processor, {
        "host": "127.0.0.1", "port": proxy.port, "username": "guest", "password": "guest",
        "queue": queue, "prefetch": 10})  # fmt: skip
    feeder.heartbeat = 3600  # only reconnect() can notice the frozen connection here
    feeder.start()
    try:
        publish = lambda body: publisher.publish(queue, body)  # noqa: E731
        switch_mid_stream(harness, feeder, proxy, publish, caplog)
        wait_until(lambda: publisher.ready(queue) == 0, 30, "an empty queue")
    finally:
        feeder.stop()
        proxy.close()
        publisher.delete([queue])
        publisher.close()


def test_mqtt_feeder_reconnects_at_once_and_loses_or_repeats_nothing(harness, caplog):
    if not mosquitto_available():
        pytest.skip("no Mosquitto on 127.0.0.1:1883")
    topic, client_id = f"otpb-test/{uuid.uuid4().hex[:8]}", f"otpb-test-{uuid.uuid4().hex[:8]}"
    make_session(client_id, topic)
    publisher, proxy = MqttPublisher(), TcpProxy((HOST, PORT))
    feeder = MqttFeeder(
        harness.broker.processor,
        {"host": "127.0.0.1", "port": proxy.port, "topic": topic, "client_id": client_id},
    )
    feeder.keepalive = 3600  # only reconnect() can notice the frozen connection here
    feeder.start()
    try:
        publish = lambda body: publisher.publish(topic, body)  # noqa: E731
        switch_mid_stream(harness, feeder, proxy, publish, caplog)
    finally:
        feeder.stop()
        proxy.close()
        publisher.close()
        drop_session(client_id)
