"""The loopback Mosquitto from a test's side: is it there, publish at QoS 1, create and drop
a feeder's persistent session."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

HOST, PORT = "127.0.0.1", 1883


def mosquitto_available() -> bool:
    """True when something answers on the loopback MQTT port."""
    try:
        with socket.create_connection((HOST, PORT), timeout=1.0):
            return True
    except OSError:
        return False


class MqttPublisher:
    """A QoS 1 publisher on the loopback Mosquitto."""

    def __init__(self) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"otpb-test-pub-{uuid.uuid4().hex[:8]}")  # fmt: skip
        self.client.connect(HOST, PORT)
        self.client.loop_start()

    def publish(self, topic: str, body: dict[str, Any]) -> None:
        """Publish ``body`` as JSON and wait for the broker's PUBACK."""
        self.client.publish(topic, json.dumps(body), qos=1).wait_for_publish(10)

    def close(self) -> None:
        """Disconnect (a broker already gone is fine)."""
        self.client.loop_stop()
        with contextlib.suppress(Exception):
            self.client.disconnect()


def make_session(client_id: str, topic: str) -> None:
    """Create the feeder's persistent session (QoS 1 subscription) before publishing."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    subscribed = threading.Event()
    client.on_subscribe = lambda *_args: subscribed.set()
    client.connect(HOST, PORT)
    client.loop_start()
    client.subscribe(topic, qos=1)
    assert subscribed.wait(10), "no SUBACK from Mosquitto"
    client.disconnect()
    client.loop_stop()


def drop_session(client_id: str) -> None:
    """Remove the persistent session (a clean-session connect with the same id)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    connected = threading.Event()
    client.on_connect = lambda *_args: connected.set()
    with contextlib.suppress(OSError):
        client.connect(HOST, PORT)
        client.loop_start()
        connected.wait(10)
        client.disconnect()
        client.loop_stop()
