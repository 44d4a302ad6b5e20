"""MQTT replies and status: MQTT 5 Response Topic + Correlation Data, the status topic at
QoS 1 (MQTT 5 and 3.1.1), later events, request-otp / verify-otp, a malformed Response
Topic. The real Mosquitto on loopback and a real broker with an emulated modem; every test
uses its own topics and client ids and removes the feeder's session afterwards."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import wait_until
from mqtt_tools import HOST, PORT, drop_session, mosquitto_available
from news_rig import (
    attach,
    later,
    news_harness,
    otp_sent,
    received,
    request_otp,
    send_sms,
    verify_otp,
)

from otpbroker.feeders.mqtt import MqttFeeder


class Listener:
    """An MQTT 5 client that publishes requests and records what arrives on its topics."""

    def __init__(self, *topics: str) -> None:
        self.got: list[tuple[str, int, dict, bytes | None]] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"otpb-test-l-{uuid.uuid4().hex[:8]}",
                                  protocol=MQTTProtocolVersion.MQTTv5)  # fmt: skip
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_args: subscribed.set()
        self.client.connect(HOST, PORT)
        self.client.loop_start()
        self.client.subscribe([(topic, 1) for topic in topics])
        assert subscribed.wait(10), "no SUBACK"

    def _on_message(self, _client, _userdata, message) -> None:
        correlation = getattr(message.properties, "CorrelationData", None)
        with self._lock:
            self.got.append((message.topic, message.qos, json.loads(message.payload),
                             correlation))  # fmt: skip

    def publish(self, topic: str, body: dict, response_topic: str | None = None,
                correlation: bytes | None = None) -> None:  # fmt: skip
        properties = Properties(PacketTypes.PUBLISH)
        if response_topic is not None:
            properties.ResponseTopic = response_topic
        if correlation is not None:
            properties.CorrelationData = correlation
        info = self.client.publish(topic, json.dumps(body), qos=1, properties=properties)
        info.wait_for_publish(10)

    def on(self, topic: str, count: int) -> list[tuple[str, int, dict, bytes | None]]:
        def enough() -> list:
            with self._lock:
                found = [entry for entry in self.got if entry[0] == topic]
            return found if len(found) >= count else []

        return wait_until(enough, 20, f"{count} message(s) on {topic}")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def harness(tmp_path):
    if not mosquitto_available():
        pytest.skip("no Mosquitto on 127.0.0.1:1883")
    h = news_harness(tmp_path / "data")
    yield h
    h.stop()


@pytest.fixture
def start(harness):
    """start(**settings) -> (feeder, topic, status topic): a subscribed MqttFeeder."""
    started: list[MqttFeeder] = []

    def run(**settings) -> tuple[MqttFeeder, str, str]:
        tag = uuid.uuid4().hex[:10]
        base = {"host": HOST, "port": PORT, "topic": f"otpb-test/{tag}/sms",
                "client_id": f"otpb-news-{tag}", "status_topic": f"otpb-test/{tag}/status"}  # fmt: skip
        base.update(settings)
        feeder = attach(harness, MqttFeeder(harness.broker.processor, base))
        started.append(feeder)
        feeder.start()
        wait_until(lambda: feeder.status.connected, 15, "the feeder subscribed")
        return feeder, base["topic"], base["status_topic"]

    yield run
    for feeder in started:
        feeder.stop()
        drop_session(feeder.client_id)


def test_mqtt5_response_topic_gets_reply_and_later_events_with_correlation_data(harness, start):
    _, topic, status_topic = start()
    answers = f"{topic}/answers/{uuid.uuid4().hex[:6]}"
    listener = Listener(answers, status_topic)
    try:
        listener.publish(topic, send_sms("08126666666", "OTP 2468"), answers, b"\xff\x00corr-1")
        [(_, qos, reply, correlation)] = listener.on(answers, 1)
        assert (qos, correlation) == (1, b"\xff\x00corr-1")  # binary correlation data kept
        assert (reply["type"], reply["command"], reply["response_code"]) == (
            "reply", "send-sms", "0000")  # fmt: skip
        message_id = reply["id"]
        assert message_id.startswith("d-") and "correlation_id" not in reply  # not text
        event = later(harness, message_id, "mqtt")
        _, (_, qos, body, correlation) = listener.on(answers, 2)
        assert (qos, correlation, body) == (1, b"\xff\x00corr-1", json.loads(json.dumps(
            event.as_json())))  # fmt: skip
        # the status topic has the reply and every event of the message (QoS 1)
        states = [e[2].get("state", e[2]["type"]) for e in listener.on(status_topic, 4)]
        assert states == ["accepted", "sent", "reply", "delivered"]
        assert all(entry[1] == 1 for entry in listener.on(status_topic, 4))
        assert "2468" not in json.dumps([entry[2] for entry in listener.got])
    finally:
        listener.close()


def test_mqtt311_status_topic_gets_reply_events_and_received_sms(harness, start):
    feeder, topic, status_topic = start(protocol="3.1.1")
    listener = Listener(status_topic)
    try:
        listener.publish(topic, send_sms("08126666666", "OTP 1357", "m311-1"))
        entries = listener.on(status_topic, 3)
        assert [(e[2]["type"], e[2]["id"]) for e in entries] == [
            ("status", "m311-1"), ("status", "m311-1"), ("reply", "m311-1")]  # fmt: skip
        later(harness, "m311-1", "mqtt")
        later(harness, "m311-1", "ws")  # another feeder's: not here
        inbound = received(harness, "balance 5000")
        entries = listener.on(status_topic, 5)
        assert entries[3][2]["state"] == "delivered"
        assert entries[4][2] == json.loads(json.dumps(inbound.as_json()))
        time.sleep(0.3)
        assert len(listener.on(status_topic, 5)) == 5
        assert feeder.status.news_dropped == 0
    finally:
        listener.close()


def test_request_otp_token_comes_back_and_verify_otp_answers(harness, start):
    _, topic, _ = start(status_topic="")
    answers = f"{topic}/answers"
    listener = Listener(answers)
    try:
        listener.publish(topic, request_otp(message_id="mq-otp"), answers, b"o-1")
        [(_, _, reply, _)] = listener.on(answers, 1)
        assert (reply["command"], reply["response_code"], reply["correlation_id"]) == (
            "request-otp", "0000", "o-1")  # fmt: skip
        code = otp_sent(harness)
        assert code not in json.dumps(reply)
        listener.publish(topic, verify_otp(reply["data"]["token"], code), answers, b"o-2")
        answer = listener.on(answers, 2)[1]
        assert (answer[3], answer[2]["command"], answer[2]["data"]["result"]) == (
            b"o-2", "verify-otp", "valid")  # fmt: skip
    finally:
        listener.close()


@pytest.mark.parametrize("response_topic", ["sms/+/x", "sms/#", "$SYS/x", " ", "a" * 256])
def test_a_malformed_response_topic_is_refused_with_1219_unrun(
    harness, start, caplog, response_topic
):
    caplog.set_level(logging.WARNING, "otpbroker.feeders.mqtt")
    feeder, topic, status_topic = start()
    listener = Listener(status_topic)
    try:
        listener.publish(topic, send_sms("08126666666", "OTP 9753", "bad"), response_topic, b"c")
        wait_until(lambda: feeder.status.rejected == 1, 15, "the message refused")
        listener.publish(topic, send_sms("08126666666", "OTP 1111", "good"))  # the next runs
        harness.sims[0].wait_for_deliveries(1)
        listener.on(status_topic, 3)
        time.sleep(0.3)
        assert [d.text for d in harness.sims[0].deliveries] == ["OTP 1111"]
        assert {e[2]["id"] for e in listener.got} == {"good"}  # nothing about the refused one
        refusals = [r.getMessage() for r in caplog.records if "1219" in r.getMessage()]
        assert len(refusals) == 1 and "9753" not in refusals[0]
    finally:
        listener.close()
