"""All feeders inside a running Broker: enabled from the settings, one SMS per message id."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from amqp_tools import Publisher, unique_queue
from paho.mqtt.enums import CallbackAPIVersion
from websocket import create_connection
from ws_broker import WsBroker, every_feeder_settings

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def setup(tmp_path):
    ws = WsBroker({"device": "ws-secret", "app": "app-secret"}).start()
    queue, topic = unique_queue(), f"otpb/test/{uuid.uuid4()}"
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    sim, _ = h.add_modem()
    store = h.broker.store
    store.update_settings(every_feeder_settings(queue, topic, ws.url))
    h.start()
    publisher = Publisher()
    yield h, sim, ws, queue, topic, publisher
    h.stop()
    publisher.delete([queue])
    publisher.close()
    ws.stop()


def feeder_states(h):
    return {status.name: status.state for status in h.broker.feeders.statuses()}


def test_same_id_on_every_transport_is_sent_once(setup):
    h, sim, ws, queue, topic, publisher = setup
    assert wait_for(lambda: set(feeder_states(h).values()) == {"connected"}), feeder_states(h)
    metrics = h.request("/metrics", method="GET", auth=None)[1]
    for name in ("rabbitmq", "ws", "mqtt"):
        assert f'otpbroker_feeder_up{{feeder="{name}",state="connected"}} 1' in metrics

    command = {
        "command": "send-sms",
        "data": {"id": "one-id", "msisdn": "08126666666", "message": "OTP 4242"},
    }
    assert h.request("/api/sms", command)[0] == 200
    publisher.publish(queue, command)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4()}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client.publish(topic, json.dumps(command), qos=1).wait_for_publish(10)
    sender = create_connection(ws.url, header=["Authorization: Basic YXBwOmFwcC1zZWNyZXQ="])
    sender.recv()
    sender.send(json.dumps({"command": "send-message", "channel": "sms", "data": [command]}))
    # a second, different message on each feeder proves they all work
    publisher.publish(
        queue, {"data": [{"receiver": "08121111111", "message": "via rabbitmq", "id": "r1"}]}
    )
    client.publish(
        topic,
        json.dumps(
            {
                "command": "send-sms",
                "data": {"id": "m1", "msisdn": "08122222222", "message": "via mqtt"},
            }
        ),
        qos=1,
    ).wait_for_publish(10)
    sender.send(
        json.dumps(
            {
                "command": "send-message",
                "channel": "sms",
                "data": [{"receiver": "08123333333", "message": "via ws", "id": "w1"}],
            }
        )
    )

    assert wait_for(lambda: len(sim.deliveries) >= 4)
    time.sleep(1.0)
    texts = sorted(d.text for d in sim.deliveries)
    assert texts == ["OTP 4242", "via mqtt", "via rabbitmq", "via ws"]
    counts = {s.name: s.received for s in h.broker.feeders.statuses()}
    assert counts == {"rabbitmq": 2, "ws": 2, "mqtt": 2}
    sender.close()
    client.loop_stop()
    client.disconnect()


def test_feeders_follow_the_settings_at_run_time(setup):
    h, _sim, _ws, _queue, _topic, _publisher = setup
    assert wait_for(lambda: feeder_states(h)["rabbitmq"] == "connected")
    h.broker.store.set("feeders.rabbitmq.enabled", False)
    assert wait_for(lambda: feeder_states(h)["rabbitmq"] == "disabled")
    h.broker.store.update_settings({"feeders.rabbitmq.enabled": True, "feeders.rabbitmq.port": 1})
    assert wait_for(lambda: feeder_states(h)["rabbitmq"] in ("error", "connecting"))
    assert wait_for(lambda: h.broker.feeders.feeder("rabbitmq").status.last_error is not None)
    h.broker.store.set("feeders.rabbitmq.port", 5672)
    assert wait_for(lambda: feeder_states(h)["rabbitmq"] == "connected")
