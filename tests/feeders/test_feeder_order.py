"""Order per recipient on every feeder, end to end: real RabbitMQ, real Mosquitto, the
WSMessageBroker test server (live, and replaying kept frames in one burst), a real Broker's
command processor and emulated modems.

One scenario, published back to back: 100 "unblock X, send X" (50 numbers unblocked once,
one number blocked and unblocked 50 times) must send 100; 100 "block Y, send Y" (50 numbers,
one number unblocked and blocked 50 times) must send nothing. A number is written in its
three forms (08.., 62.., +62..), which are one number. Every other group of commands is one
message with several items, the rest one message per command.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import websocket
from amqp_tools import Publisher, rabbitmq_available, unique_queue
from paho.mqtt.enums import CallbackAPIVersion
from ws_broker import WsBroker

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.mqtt import MqttFeeder
from otpbroker.feeders.ws import WsBrokerFeeder

MOSQUITTO = ("127.0.0.1", 1883)
CHANNEL = "sms"
WS_USERS = {"device": "pw-device", "app": "pw-app"}
BLOCKED_AT_THE_END = [f"0812200{i:04d}" for i in range(50)]


def form(number: str, turn: int) -> str:
    """``number`` (08...) in one of its three written forms."""
    return (number, "62" + number[1:], "+62" + number[1:])[turn % 3]


def command(name: str, number: str) -> dict[str, Any]:
    return {"command": name, "data": {"msisdn": number}}


def sms(number: str, text: str) -> dict[str, Any]:
    return {"command": "send-sms", "data": {"msisdn": number, "message": text}}


def scenario() -> tuple[list[list[dict[str, Any]]], Counter[str], list[str]]:
    """(groups of commands in publishing order, the texts to be sent, numbers blocked first)."""
    groups: list[list[dict[str, Any]]] = []
    blocked_first = [f"0812100{i:04d}" for i in range(50)]
    for i, x in enumerate(blocked_first):
        groups.append(
            [command("unblock-msisdn", form(x, i)), sms(form(x, i + 1), f"unblocked {i}")]
        )
    z = "08129000000"
    for i in range(50):
        groups.append([command("block-msisdn", form(z, i)), command("unblock-msisdn", form(z, i + 1)),
                       sms(form(z, i + 2), f"same number unblocked {i}")])  # fmt: skip
    for i, y in enumerate(BLOCKED_AT_THE_END):
        groups.append([command("block-msisdn", form(y, i)), sms(form(y, i + 1), f"blocked {i}")])
    w = "08129100000"
    for i in range(50):
        groups.append([command("unblock-msisdn", form(w, i)), command("block-msisdn", form(w, i + 1)),
                       sms(form(w, i + 2), f"same number blocked {i}")])  # fmt: skip
    expected = Counter([f"unblocked {i}" for i in range(50)])
    expected.update(f"same number unblocked {i}" for i in range(50))
    return groups, expected, blocked_first


def frame(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"command": "send-message", "channel": CHANNEL, "data": items}


def messages(groups: list[list[dict[str, Any]]], wrap: bool) -> list[dict[str, Any]]:
    """Odd groups as one message with several items, even ones one message per command
    (``wrap``: each of those in a one-item frame, as the WSMessageBroker needs)."""
    out: list[dict[str, Any]] = []
    for index, group in enumerate(groups):
        if index % 2:
            out.append(frame(group))
        else:
            out.extend(frame([item]) if wrap else item for item in group)
    return out


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    for _ in range(2):
        h.add_modem(profile={"send_delay": 0.002}, default_modem=True)
    h.start()
    yield h
    h.stop()


@pytest.fixture
def run(harness):
    """run(feeder_class, settings, publish) -> the feeder, once every command was handled."""
    started = []

    def go(feeder_class, settings, publish, publish_first=False):
        groups, expected, blocked_first = scenario()
        for number in blocked_first:
            harness.broker.blocklist.block("62" + number[1:], "test")
        feeder = feeder_class(harness.broker.processor, settings)
        feeder.delays = (0.05, 0.1)
        started.append(feeder)
        if publish_first:
            publish(groups)
        feeder.start()
        wait_for(lambda: feeder.status.connected, 10, "connected")
        if not publish_first:
            publish(groups)
        commands = sum(map(len, groups))
        wait_for(lambda: feeder.status.processed + feeder.status.rejected >= commands,
                 60, "every command handled")  # fmt: skip
        time.sleep(0.3)  # a late send would show now
        sent = Counter(d.text for sim in harness.sims for d in sim.deliveries)
        assert sent == expected, sorted((sent - expected) + (expected - sent))
        assert feeder.status.rejected == 100  # each "block Y, send Y" send, nothing else
        is_blocked = harness.broker.blocklist.is_blocked
        assert not is_blocked("628129000000") and is_blocked("628129100000")
        assert all(is_blocked("62" + y[1:]) for y in BLOCKED_AT_THE_END)
        return feeder

    yield go
    for feeder in started:
        feeder.stop()


def test_rabbitmq_keeps_the_order_of_each_numbers_commands(run):
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    publisher = Publisher()
    queue = unique_queue()
    publisher.channel.queue_declare(queue, durable=True)
    settings = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": queue, "prefetch": 16}  # fmt: skip

    def publish(groups):
        for body in messages(groups, wrap=False):
            publisher.publish(queue, body)

    try:
        run(RabbitMqFeeder, settings, publish)
        wait_for(lambda: publisher.ready(queue) == 0, 10, "every message acknowledged")
    finally:
        publisher.delete([queue])
        publisher.close()


def test_mqtt_keeps_the_order_of_each_numbers_commands(run):
    tag = uuid.uuid4().hex[:12]
    topic, client_id = f"otp-test/{tag}/sms", f"otp-test-{tag}"
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otp-pub-{tag}")
    client.max_inflight_messages_set(100)
    client.connect(*MOSQUITTO)
    client.loop_start()

    def publish(groups):
        infos = [client.publish(topic, json.dumps(body), qos=1)
                 for body in messages(groups, wrap=False)]  # fmt: skip
        for info in infos:
            info.wait_for_publish(10)

    settings = {"host": "127.0.0.1", "port": 1883, "topic": topic, "client_id": client_id}
    try:
        run(MqttFeeder, settings, publish)
    finally:
        client.disconnect()
        client.loop_stop()
        cleaner = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                              clean_session=True)  # fmt: skip
        cleaner.connect(*MOSQUITTO)
        cleaner.loop(0.5)
        cleaner.disconnect()


def ws_sender(server: WsBroker) -> websocket.WebSocket:
    token = base64.b64encode(b"app:pw-app").decode()
    ws = websocket.create_connection(server.url, header=[f"Authorization: Basic {token}"])
    assert json.loads(ws.recv())["response_code"] == "00"
    return ws


@pytest.mark.parametrize("replay", [False, True], ids=["live", "replayed"])
def test_wsmessagebroker_keeps_the_order_of_each_numbers_commands(run, replay):
    server = WsBroker(WS_USERS, keep_data=replay).start()
    settings = {"url": server.url, "username": "device", "password": "pw-device",
                "channel": CHANNEL}  # fmt: skip

    def publish(groups):
        sender = ws_sender(server)
        bodies = messages(groups, wrap=True)
        for body in bodies:
            sender.send(json.dumps(body))
        sender.close()
        if replay:  # kept while nobody receives, replayed one item per frame at registration
            items = sum(len(body["data"]) for body in bodies)
            wait_for(lambda: len(server.kept.get(CHANNEL, [])) == items, 10, "kept")

    try:
        run(WsBrokerFeeder, settings, publish, publish_first=replay)
        if replay:
            assert server.unrouted == len(messages(scenario()[0], wrap=True))
            assert server.kept == {}
    finally:
        server.stop()
