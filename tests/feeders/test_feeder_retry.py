"""A command answered "quota reached" (``1108`` with ``data.retry_after``) twice, then
``0000``: every feeder keeps the message (RabbitMQ and MQTT: unacknowledged; WS: in memory),
tries it again after ``retry_after`` in its place, and the next command for the same number
waits behind it while another number's goes ahead. Real RabbitMQ, Mosquitto, test WS server."""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
import websocket
from amqp_tools import Publisher, rabbitmq_available, unique_queue
from fake_sink import RecordingSink, quota_twice
from paho.mqtt.enums import CallbackAPIVersion
from ws_broker import WsBroker

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.mqtt import MqttFeeder
from otpbroker.feeders.ws import WsBrokerFeeder

MOSQUITTO = ("127.0.0.1", 1883)
RETRY_AFTER = 0.3


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def sms(message_id, msisdn):
    return {"command": "send-sms", "data": {"id": message_id, "msisdn": msisdn,
                                            "message": "OTP 1234"}}  # fmt: skip


MESSAGES = [sms("capped", "628126666666"), sms("behind", "628126666666"),
            sms("other", "628127777777")]  # fmt: skip


def started(feeder):
    feeder.delays = (0.05, 0.1)
    feeder.start()
    wait_for(lambda: feeder.status.connected, 10, "connected")
    return feeder


def assert_retried_in_place(sink):
    wait_for(lambda: len(sink.calls) == 5, what="five runs")
    time.sleep(0.2)
    ids = sink.ids()
    assert sorted(ids) == ["behind", "capped", "capped", "capped", "other"]
    tries = sink.of("capped")
    capped = [index for index, seen in enumerate(ids) if seen == "capped"]
    assert ids.index("other") < capped[1]  # another number did not wait
    assert ids.index("behind") > capped[2]  # the same number did
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(tries)]
    assert min(gaps) >= RETRY_AFTER * 0.9, gaps  # it waited as the reply asked


def test_rabbitmq_keeps_a_capped_message_unacknowledged_and_tries_it_again():
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    publisher, queue = Publisher(), unique_queue()
    publisher.channel.queue_declare(queue, durable=True)
    sink = RecordingSink(quota_twice("capped", RETRY_AFTER))
    settings = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": queue}  # fmt: skip
    feeder = started(RabbitMqFeeder(sink, settings))
    try:
        for body in MESSAGES:
            publisher.publish(queue, body)
        assert_retried_in_place(sink)
        wait_for(lambda: publisher.ready(queue) == 0, what="acknowledged")
        assert feeder.status.received == 3  # never requeued: tried again in place
        assert feeder.status.processed == 3
    finally:
        feeder.stop()
        publisher.delete([queue])
        publisher.close()


def test_mqtt_holds_a_capped_message_without_puback_and_tries_it_again():
    tag = uuid.uuid4().hex[:12]
    topic, client_id = f"otp-test/{tag}/sms", f"otp-test-{tag}"
    sink = RecordingSink(quota_twice("capped", RETRY_AFTER))
    settings = {"host": "127.0.0.1", "port": 1883, "topic": topic, "client_id": client_id}
    feeder = started(MqttFeeder(sink, settings))
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otp-pub-{tag}")
    client.connect(*MOSQUITTO)
    client.loop_start()
    try:
        for body in MESSAGES:
            client.publish(topic, json.dumps(body), qos=1).wait_for_publish(10)
        assert_retried_in_place(sink)
        feeder.stop()
        again = started(MqttFeeder(RecordingSink(), settings))  # same session
        time.sleep(0.5)
        again.stop()
        assert again.status.received == 0  # every message was acknowledged once done
    finally:
        feeder.stop()
        client.disconnect()
        client.loop_stop()
        cleaner = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                              clean_session=True)  # fmt: skip
        cleaner.connect(*MOSQUITTO)
        cleaner.loop(0.5)
        cleaner.disconnect()


def test_ws_holds_a_capped_message_in_memory_and_tries_it_again():
    server = WsBroker({"device": "pw-device", "app": "pw-app"}).start()
    sink = RecordingSink(quota_twice("capped", RETRY_AFTER))
    settings = {"url": server.url, "username": "device", "password": "pw-device",
                "channel": "sms"}  # fmt: skip
    feeder = started(WsBrokerFeeder(sink, settings))
    token = base64.b64encode(b"app:pw-app").decode()
    sender = websocket.create_connection(server.url, header=[f"Authorization: Basic {token}"])
    try:
        sender.recv()
        for body in MESSAGES:
            sender.send(json.dumps({"command": "send-message", "channel": "sms", "data": [body]}))
        assert_retried_in_place(sink)
        assert feeder.status.processed == 3
    finally:
        sender.close()
        feeder.stop()
        server.stop()


def test_ws_gives_a_message_up_beyond_its_retry_limit(caplog):
    server = WsBroker({"device": "pw-device", "app": "pw-app"}).start()
    sink = RecordingSink(quota_twice("capped", RETRY_AFTER))
    settings = {"url": server.url, "username": "device", "password": "pw-device",
                "channel": "sms"}  # fmt: skip
    feeder = WsBrokerFeeder(sink, settings)
    feeder.retry_policy = type(feeder.retry_policy)(limit=1, bounds=(0.01, 1.0))
    started(feeder)
    try:
        server.wait_receivers("sms")  # connected is not yet registered: a frame before is lost
        server.push("sms", json.dumps({"command": "send-message", "channel": "sms",
                                       "data": [MESSAGES[0]]}))  # fmt: skip
        wait_for(lambda: "given up (too many tries)" in caplog.text, what="given up")
        assert sink.ids() == ["capped", "capped"]  # the first try and one more
    finally:
        feeder.stop()
        server.stop()


def test_rabbitmq_returns_waiting_and_unstarted_messages_to_the_queue_at_stop():
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    publisher, queue = Publisher(), unique_queue()
    publisher.channel.queue_declare(queue, durable=True)
    sink = RecordingSink(quota_twice("capped", retry_after=60.0))
    settings = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": queue}  # fmt: skip
    feeder = started(RabbitMqFeeder(sink, settings))
    try:
        for body in MESSAGES[:2]:  # "behind" waits for "capped", which waits a minute
            publisher.publish(queue, body)
        wait_for(lambda: sink.ids() == ["capped"] and feeder.status.received == 2, what="held")
        started_at = time.monotonic()
        feeder.stop()
        assert time.monotonic() - started_at < 5  # a generous bound: it does not wait a minute
        assert sink.ids() == ["capped"]  # neither tried again nor started at stop
        wait_for(lambda: publisher.ready(queue) == 2, what="both back in the queue")
    finally:
        feeder.stop()
        publisher.delete([queue])
        publisher.close()
