"""The broker's expiry and the feeder's defaults reach the command sink as DeliveryTerms:
AMQP ``expiration`` (from ``timestamp`` when given), MQTT 5 Message Expiry Interval; MQTT 5
and 3.1.1 sessions kept while the feeder is away. Real RabbitMQ and Mosquitto, a recording
sink."""

from __future__ import annotations

import json
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from amqp_tools import Publisher, rabbitmq_available, unique_queue
from fake_sink import RecordingSink
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from otpbroker.domain.delivery import DeliveryTerms, Lane
from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.base import default_terms
from otpbroker.feeders.mqtt import MqttFeeder

MOSQUITTO = ("127.0.0.1", 1883)
DEFAULTS = {"default_ttl_seconds": 90, "default_priority": "bulk"}


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def sms(message_id):
    return {"command": "send-sms", "data": {"id": message_id, "msisdn": "08126666666",
                                            "message": "OTP 1234"}}  # fmt: skip


def started(feeder):
    feeder.delays = (0.05, 0.1)
    feeder.start()
    wait_for(lambda: feeder.status.connected, 10, "connected")
    return feeder


def test_default_terms_come_from_the_feeder_settings():
    assert default_terms({}) == DeliveryTerms(default_ttl=None, default_lane=Lane.OTP)
    assert default_terms({"default_ttl_seconds": 0, "default_priority": "otp"}) == DeliveryTerms(
        default_ttl=None, default_lane=Lane.OTP
    )
    assert default_terms(DEFAULTS) == DeliveryTerms(default_ttl=90.0, default_lane=Lane.BULK)
    assert default_terms({"default_priority": "urgent"}).default_lane is Lane.OTP


@pytest.fixture
def rabbit():
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    publisher, queue = Publisher(), unique_queue()
    publisher.channel.queue_declare(queue, durable=True)
    yield publisher, queue
    publisher.delete([queue])
    publisher.close()


def test_amqp_expiration_becomes_expires_at_from_the_timestamp_or_the_arrival(rabbit):
    publisher, queue = rabbit
    sink = RecordingSink()
    settings = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": queue, **DEFAULTS}  # fmt: skip
    feeder = started(RabbitMqFeeder(sink, settings))
    try:
        stamp = int(time.time()) - 5
        publisher.publish(queue, sms("stamped"), expiration="60000", timestamp=stamp)
        before = time.time()
        publisher.publish(queue, sms("unstamped"), expiration="60000")
        long_ago = int(time.time()) - 3600
        publisher.publish(queue, sms("past"), expiration="1000", timestamp=long_ago)
        publisher.publish(queue, sms("plain"))
        wait_for(lambda: len(sink.calls) == 4, what="four commands")
        [stamped], [unstamped], [past], [plain] = map(
            sink.of, ("stamped", "unstamped", "past", "plain")
        )
        assert stamped.terms.expires_at == stamp + 60.0
        assert before + 60.0 <= unstamped.terms.expires_at <= unstamped.wall + 60.0
        assert past.terms.expires_at == long_ago + 1.0 < past.wall  # passed on, already expired
        assert plain.terms.expires_at is None
        for call in (stamped, unstamped, past, plain):
            assert (call.terms.default_ttl, call.terms.default_lane) == (90.0, Lane.BULK)
        wait_for(lambda: publisher.ready(queue) == 0, what="all acknowledged")
    finally:
        feeder.stop()


@pytest.fixture
def names():
    tag = uuid.uuid4().hex[:12]
    yield {"topic": f"otp-test/{tag}/sms", "client_id": f"otp-test-{tag}"}
    cleaner = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"otp-test-{tag}", clean_session=True
    )  # a clean session removes the stored one
    cleaner.connect(*MOSQUITTO)
    cleaner.loop(0.5)
    cleaner.disconnect()


def publish_v5(topic, messages):
    """Publish (payload, expiry seconds or None) pairs with an MQTT 5 client, QoS 1."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otp-pub-{uuid.uuid4().hex}",
                         protocol=mqtt.MQTTv5)  # fmt: skip
    client.connect(*MOSQUITTO)
    client.loop_start()
    try:
        for payload, expiry in messages:
            properties = Properties(PacketTypes.PUBLISH)
            if expiry is not None:
                properties.MessageExpiryInterval = expiry
            info = client.publish(topic, json.dumps(payload), qos=1, properties=properties)
            info.wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_mqtt_message_expiry_and_a_session_kept_while_away(names, protocol):
    sink = RecordingSink()
    settings = {"host": "127.0.0.1", "port": 1883, "protocol": protocol, **names, **DEFAULTS}
    first = started(MqttFeeder(sink, settings))
    first.stop()  # away: the broker keeps the session and queues what comes meanwhile
    before = time.time()
    publish_v5(names["topic"], [(sms("expiring"), 60), (sms("lasting"), None)])
    second = started(MqttFeeder(sink, settings))
    try:
        wait_for(lambda: len(sink.calls) == 2, what="both messages, queued while away")
        [expiring], [lasting] = sink.of("expiring"), sink.of("lasting")
        if protocol == "5":  # the broker sends the whole seconds left
            assert before + 58.0 <= expiring.terms.expires_at <= expiring.wall + 60.0
        else:  # MQTT 3.1.1 carries no expiry
            assert expiring.terms.expires_at is None
        assert lasting.terms.expires_at is None
        for call in (expiring, lasting):
            assert (call.terms.default_ttl, call.terms.default_lane) == (90.0, Lane.BULK)
    finally:
        second.stop()
