"""No broker ever holds an OTP: sealed OTPs wait in RabbitMQ, Mosquitto and the WS broker,
and neither their stores nor a loopback capture hold any of them; then the device takes them
and every OTP is sent exactly once.

The messages are published while the device is away, so they sit on the brokers' disks:
persistent messages on a durable RabbitMQ queue (with publisher confirms, i.e. written), QoS 1
messages for an offline persistent MQTT session in a Mosquitto of our own that saves its state
every second, and frames the WS broker keeps (``keep_data``) in its SQLite file. One unsealed
OTP per broker, published the same way, is the control: the same scan must find each of them
in its broker's store and in the capture, so a scan that cannot see anything would fail.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import paho.mqtt.client as mqtt
import pika
import pytest
from amqp_tools import connect, rabbitmq_available, unique_queue
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from secrecy_rig import (
    capture_contents,
    files_under,
    found_in,
    loopback_capture,
    own_mosquitto,
    rabbitmq_data_dir,
)
from websocket import create_connection
from ws_broker import WsBroker

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness
from sealing_tools import device_key, seal

SEALED_PER_BROKER = 4
WS_USERS = {"device": "ws-secret", "app": "app-secret"}
CHANNEL = "sms"
NUMBER = "08126666666"


def new_otp() -> str:
    return f"{secrets.randbelow(10**10):010d}"  # ten digits: no chance meeting in other bytes


def command(text: str, key: bytes | None) -> dict:
    """A send-sms of ``text``, sealed to ``key`` (clear when ``key`` is None)."""
    field = {"message": text} if key is None else {"sealed": seal(text, key)}
    return {"command": "send-sms", "data": {"msisdn": NUMBER, "id": uuid.uuid4().hex, **field}}


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {what}"
            return value
        time.sleep(0.1)


class Publishers:
    """Puts commands into the three brokers while the device is away."""

    def __init__(self, queue: str, mqtt_port: int, topic: str, client_id: str, ws: WsBroker):
        self.queue, self.topic, self.ws = queue, topic, ws
        self.amqp = connect()
        self.channel = self.amqp.channel()
        self.channel.queue_declare(queue, durable=True)  # as the device's feeder declares it
        self.channel.confirm_delivery()  # a confirmed persistent message is on disk
        _make_session(mqtt_port, topic, client_id)  # the device's session, now offline
        self.mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"app-{uuid.uuid4()}")
        self.mqtt.connect("127.0.0.1", mqtt_port)
        self.mqtt.loop_start()
        self.wsc = create_connection(ws.url, header=["Authorization: Basic YXBwOmFwcC1zZWNyZXQ="])
        self.wsc.recv()  # connect 00

    def publish(self, broker: str, body: dict) -> None:
        if broker == "rabbitmq":
            properties = pika.BasicProperties(delivery_mode=2)
            self.channel.basic_publish("", self.queue, json.dumps(body).encode(), properties)
        elif broker == "mqtt":
            self.mqtt.publish(self.topic, json.dumps(body), qos=1).wait_for_publish(10)
        else:
            frame = {"command": "send-message", "channel": CHANNEL, "data": [body]}
            self.wsc.send(json.dumps(frame))

    def close(self) -> None:
        self.wsc.close()
        self.mqtt.loop_stop()
        self.mqtt.disconnect()
        self.channel.queue_delete(self.queue)
        self.amqp.close()


def _make_session(port: int, topic: str, client_id: str) -> None:
    """Subscribe once as the device (MQTT 5, kept session), then leave."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5)  # fmt: skip
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=False, properties=properties)
    client.loop_start()
    client.subscribe(topic, qos=1)[1]
    time.sleep(0.3)
    client.loop_stop()
    client.disconnect()


@pytest.fixture
def brokers(tmp_path):
    """The three brokers with the test's publishers connected, all seen by a capture."""
    if not rabbitmq_available():
        pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 (scripts/ensure-services.sh)")
    with own_mosquitto(tmp_path / "mosquitto") as (mqtt_port, mqtt_file):
        ws = WsBroker(WS_USERS, keep_data=True, data_dir=tmp_path / "ws").start()
        names = {"queue": unique_queue("otpb-sealed"), "topic": f"otpb/sealed/{uuid.uuid4()}",
                 "client_id": f"otpb-{uuid.uuid4().hex[:12]}"}  # fmt: skip
        ports = (5672, mqtt_port, ws.port)
        try:
            with loopback_capture(tmp_path / "lo.pcap", ports) as capture:
                publishers = Publishers(
                    names["queue"], mqtt_port, names["topic"], names["client_id"], ws
                )
                try:
                    yield publishers, names, mqtt_port, mqtt_file, ws, capture
                finally:
                    publishers.close()
        finally:
            ws.stop()


def test_sealed_otps_rest_in_no_broker_and_are_each_sent_once(brokers, tmp_path):
    publishers, names, mqtt_port, mqtt_file, ws, capture = brokers
    h = BrokerHarness(tmp_path / "data")
    key = device_key(h.data_dir)
    rabbit_dir = rabbitmq_data_dir()
    sealed = {b: [new_otp() for _ in range(SEALED_PER_BROKER)] for b in ("rabbitmq", "mqtt", "ws")}
    control = {b: new_otp() for b in sealed}
    for broker, otps in sealed.items():
        for otp in otps:
            publishers.publish(broker, command(f"Kode OTP {otp}", key))
        publishers.publish(broker, command(f"Kode OTP {control[broker]}", None))
    stores = {
        "rabbitmq": lambda: files_under(rabbit_dir),
        "mqtt": lambda: [mqtt_file],
        "ws": lambda: files_under(ws.store.data_dir),
        "capture": lambda: [capture],
    }
    every_sealed = [otp for otps in sealed.values() for otp in otps]
    for where, files in stores.items():  # the controls prove each place is seen
        wanted = list(control.values()) if where == "capture" else [control[where]]
        seen = lambda wanted=wanted, files=files: set(scan(wanted, files())) == set(wanted)  # noqa: E731
        wait_for(seen, 15, f"the controls in {where}")
        assert scan(every_sealed, files()) == {}, where

    try:
        _start_device(h, names, mqtt_port, ws)
        expected = every_sealed + list(control.values())
        sim = h.sims[0]
        wait_for(lambda: len(sim.deliveries) >= len(expected), 30, "every OTP sent")
        time.sleep(1.0)  # nothing more may come
        sent = Counter(d.text for d in sim.deliveries)
        assert sent == Counter(f"Kode OTP {otp}" for otp in expected)
    finally:
        h.stop()
    assert scan(every_sealed, [capture]) == {}  # the device took them sealed too


def scan(secrets: list[str], files: list[Path]) -> dict[str, list[str]]:
    """Where the secrets are found in ``files`` (a capture: raw and as WebSocket payloads)."""
    contents: dict[str, bytes] = {}
    for path in files:
        if path.suffix == ".pcap":
            contents.update(capture_contents(path))
        else:
            with contextlib.suppress(OSError):
                contents[str(path)] = path.read_bytes()
    return found_in(secrets, contents)


def _start_device(h: BrokerHarness, names: dict, mqtt_port: int, ws: WsBroker) -> None:
    h.add_modem()
    h.broker.store.update_settings({
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": names["queue"],
        "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1",
        "feeders.mqtt.port": mqtt_port, "feeders.mqtt.topic": names["topic"],
        "feeders.mqtt.client_id": names["client_id"],
        "feeders.ws.enabled": True, "feeders.ws.url": ws.url, "feeders.ws.username": "device",
        "feeders.ws.password": "ws-secret", "feeders.ws.channel": CHANNEL,
    })  # fmt: skip
    h.start()
