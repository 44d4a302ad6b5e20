"""Device alerts on a feeder's status destination: the real Mosquitto on loopback and a
real broker (its ``Alerts`` wired to the two-way bus by the composition root); raised and
cleared alerts arrive on the MQTT status topic, scrubbed, in order."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import wait_until
from mqtt_tools import HOST, PORT, drop_session, mosquitto_available
from news_rig import attach, news_harness

from otpbroker.feeders.mqtt import MqttFeeder


class TopicWatch:
    """An MQTT 3.1.1 client recording the JSON bodies published on one topic."""

    def __init__(self, topic: str) -> None:
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"otpb-test-a-{uuid.uuid4().hex[:8]}")  # fmt: skip
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_args: subscribed.set()
        self.client.connect(HOST, PORT)
        self.client.loop_start()
        self.client.subscribe(topic, 1)
        assert subscribed.wait(10), "no SUBACK"

    def _on_message(self, _client, _userdata, message) -> None:
        with self._lock:
            self.bodies.append(json.loads(message.payload))

    def alerts(self, count: int) -> list[dict]:
        def enough() -> list[dict]:
            with self._lock:
                found = [body for body in self.bodies if body.get("type") == "alert"]
            return found if len(found) >= count else []

        return wait_until(enough, 20, f"{count} alert(s)")

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


def test_raised_and_cleared_alerts_reach_the_mqtt_status_topic(harness):
    tag = uuid.uuid4().hex[:10]
    settings = {"host": HOST, "port": PORT, "topic": f"otpb-test/{tag}/sms",
                "client_id": f"otpb-news-{tag}", "status_topic": f"otpb-test/{tag}/status"}  # fmt: skip
    feeder = attach(harness, MqttFeeder(harness.broker.processor, settings))
    feeder.start()
    watch = TopicWatch(settings["status_topic"])
    try:
        wait_until(lambda: feeder.status.connected, 15, "the feeder subscribed")
        alerts = harness.broker.alerts  # the broker's own: the composition root wired it
        alerts.raise_alert("balance:m1", "sim_account", "SIM one: credit below minimum",
                           "SIM +6281299998877 has Rp 3.000, below Rp 5.000",
                           advice="Top up 081299998877", severity="warning", modem_id="m1")  # fmt: skip
        (raised,) = watch.alerts(1)
        assert (raised["kind"], raised["level"], raised["modem"], raised["key"]) == (
            "sim_account", "warning", "m1", "balance:m1")  # fmt: skip
        assert raised["title"] == "SIM one: credit below minimum"
        assert alerts.clear("balance:m1", "topped up")
        raised_again, cleared = watch.alerts(2)
        assert raised_again == raised
        assert (cleared["level"], cleared["key"]) == ("cleared", "balance:m1")
        assert cleared["event_id"] != raised["event_id"]
        text = json.dumps(watch.bodies)
        assert "6281299998877" not in text and "81299998877" not in text
        assert "Top up" not in text  # the advice stays on the device
        assert feeder.status.news_dropped == 0
    finally:
        watch.close()
        feeder.stop()
        drop_session(feeder.client_id)


def test_a_feeder_without_status_topic_gets_no_alert(harness):
    tag = uuid.uuid4().hex[:10]
    settings = {"host": HOST, "port": PORT, "topic": f"otpb-test/{tag}/sms",
                "client_id": f"otpb-news-{tag}", "status_topic": ""}  # fmt: skip
    feeder = attach(harness, MqttFeeder(harness.broker.processor, settings))
    told: list[object] = []
    feeder.outgoing.alert = told.append  # type: ignore[method-assign]
    feeder.start()
    try:
        wait_until(lambda: feeder.status.connected, 15, "the feeder subscribed")
        harness.broker.alerts.raise_alert("dead:m1", "dead", "Modem m1 dead", "no answer")
        assert told == []  # the listener ran in this thread: nothing was handed over
        assert feeder.status.news_sent == 0
    finally:
        feeder.stop()
        drop_session(feeder.client_id)
