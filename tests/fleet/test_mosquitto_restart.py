"""Mosquitto (persistence on) stopped and started again while a device is away: what the
device's saved session brings back, with a plain subscription and with a shared one.

The device is the real MQTT feeder (MQTT 5, clean start off, a session expiry), stopped
cleanly so its session stays with Mosquitto; the broker is a Mosquitto of the test's own.
Three messages: one queued for the session before the restart, one published after the
restart while the device is still away, one published once it is back.

- Plain subscription: all three arrive (the subscription is in the saved database).
- Shared subscription: Mosquitto 2.0 does not save ``$share`` subscriptions (only the
  plain ones are written to its database; its development branch saves them). The queued
  message still arrives, and the one published once the device is back arrives because
  the feeder subscribes again on every connection; the one published in between matched
  no subscription and is measured (printed): on Mosquitto 2.0 it is lost.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fake_sink import RecordingSink
from mosquitto_rig import OwnMosquitto
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from otpbroker.feeders.mqtt import MqttFeeder

TIMEOUT = 30.0
NO_MATCHING_SUBSCRIBERS = 16


def wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def publish(port: int, topic: str, message_id: str) -> int:
    """One QoS 1 message, acknowledged by Mosquitto (PUBACK) before this returns: the
    PUBACK's MQTT 5 reason code (0 success, 16 no matching subscribers)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5,
                         client_id=f"otpb-pub-{uuid.uuid4().hex[:8]}")  # fmt: skip
    reasons: list[int] = []
    client.on_publish = lambda _client, _data, _mid, reason, _props: reasons.append(reason.value)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        body = {"command": "send-sms", "data": {"id": message_id, "msisdn": "08127777777",
                "message": f"Kode {message_id}"}}  # fmt: skip
        info = client.publish(topic, json.dumps(body), qos=1)
        info.wait_for_publish(10)
        assert info.is_published(), "Mosquitto did not acknowledge (PUBACK) the message"
        return reasons[0]
    finally:
        client.loop_stop()
        client.disconnect()


def device(port: int, topic: str, group: str, client_id: str, sink: RecordingSink) -> MqttFeeder:
    """The MQTT feeder, started and subscribed."""
    settings = {"host": "127.0.0.1", "port": port, "topic": topic, "share_group": group,
                "client_id": client_id, "protocol": "5"}  # fmt: skip
    feeder = MqttFeeder(sink, settings)
    feeder.delays = (0.05, 0.1, 0.2)
    feeder.start()
    wait_for(lambda: feeder.status.connected, "the feeder subscribed")
    return feeder


@pytest.mark.parametrize("group", ["", "fleet"], ids=["plain", "shared"])
def test_a_device_away_during_a_mosquitto_restart_gets_its_session_back(
    own_mosquitto: OwnMosquitto, group: str
) -> None:
    topic, client_id = f"otpb-restart/{uuid.uuid4().hex[:8]}", f"otpb-{uuid.uuid4().hex[:8]}"
    sink = RecordingSink()
    device(own_mosquitto.port, topic, group, client_id, sink).stop()  # away, session kept
    publish(own_mosquitto.port, topic, "queued")  # queued for the session
    own_mosquitto.stop()
    assert own_mosquitto.saved(), own_mosquitto.log.read_text(errors="replace")[-2000:]
    own_mosquitto.start()
    reason = publish(own_mosquitto.port, topic, "while-away")
    back = device(own_mosquitto.port, topic, group, client_id, sink)
    try:
        publish(own_mosquitto.port, topic, "once-back")
        wait_for(lambda: {"queued", "once-back"} <= set(sink.ids()), "the session's messages")
        time.sleep(1.0)  # a late one (or a copy) would arrive within this
    finally:
        back.stop()
    ids = sink.ids()
    assert sorted(set(ids)) == sorted(ids)  # never twice
    if not group:  # the plain subscription is saved: the session queued it while away
        assert "while-away" in ids
    # never a silent loss for an MQTT 5 publisher: "No matching subscribers" in its PUBACK
    assert reason == (0 if "while-away" in ids else NO_MATCHING_SUBSCRIBERS)
    fate = "delivered" if "while-away" in ids else f"LOST (PUBACK reason code {reason})"
    print(f"\nMosquitto restarted while a device was away ({'shared' if group else 'plain'} "
          f"subscription): queued before: delivered; published before the device came back: "
          f"{fate}; after: delivered")  # fmt: skip
