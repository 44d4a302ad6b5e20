"""Sealed messages on every feeder (RabbitMQ, MQTT, WebSocket) inside a running broker:
opened and sent; refused with the precise code when they do not open or when the feeders
require sealing; a refused message is settled (never redelivered) and never sent."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from amqp_tools import Publisher, unique_queue, wait_until
from paho.mqtt.enums import CallbackAPIVersion
from websocket import create_connection
from ws_broker import WsBroker, every_feeder_settings

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness
from sealing_tools import bad_cases, device_key, seal

NUMBER = "08126666666"
FEEDERS = ("rabbitmq", "mqtt", "ws")
REFUSED = re.compile(r"(\w+) feeder: (send-sms) refused: (\d{4}) (.*)")


class Feeds:
    """Publishes commands to the three feeders and collects what each answered."""

    def __init__(self, h: BrokerHarness, queue: str, topic: str, ws: WsBroker) -> None:
        self.h, self.queue, self.topic = h, queue, topic
        self.publisher = Publisher()
        self.replies = unique_queue("otpb-sealed-replies")
        self.publisher.channel.queue_declare(self.replies, exclusive=True)
        self.mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4()}")
        self.mqtt.connect("127.0.0.1", 1883)
        self.mqtt.loop_start()
        self.ws = create_connection(ws.url, header=["Authorization: Basic YXBwOmFwcC1zZWNyZXQ="])
        self.ws.recv()

    def publish(self, feeder: str, body: dict) -> None:
        if feeder == "rabbitmq":
            properties = {"reply_to": self.replies, "correlation_id": uuid.uuid4().hex}
            self.publisher.publish(self.queue, body, **properties)
        elif feeder == "mqtt":
            self.mqtt.publish(self.topic, json.dumps(body), qos=1).wait_for_publish(10)
        else:
            self.ws.send(json.dumps({"command": "send-message", "channel": "sms", "data": [body]}))

    def rabbitmq_codes(self, count: int) -> list[str]:
        found: list[str] = []

        def take() -> bool:
            found.extend(
                json.loads(b)["response_code"] for _p, b in self.publisher.get_all(self.replies)
            )
            return len(found) >= count

        wait_until(take, 20, f"{count} replies")
        return found

    def close(self) -> None:
        self.ws.close()
        self.mqtt.loop_stop()
        self.mqtt.disconnect()
        self.publisher.delete([self.queue])
        self.publisher.close()


@pytest.fixture
def feeds(tmp_path):
    ws = WsBroker({"device": "ws-secret", "app": "app-secret"}).start()
    queue, topic = unique_queue("otpb-sealed"), f"otpb/sealed/{uuid.uuid4()}"
    h = BrokerHarness(tmp_path / "data")
    sim, _ = h.add_modem()
    h.broker.store.update_settings(every_feeder_settings(queue, topic, ws.url))
    h.start()
    wait_until(lambda: {s.state for s in h.broker.feeders.statuses()} == {"connected"}, 20,
               "the feeders connected")  # fmt: skip
    f = Feeds(h, queue, topic, ws)
    yield h, sim, f
    f.close()
    h.stop()
    ws.stop()


def counts(h: BrokerHarness, what: str) -> dict[str, int]:
    return {s.name: getattr(s, what) for s in h.broker.feeders.statuses()}


def refusals(caplog, feeder: str) -> list[tuple[str, str]]:
    """(code, text) of every refusal ``feeder`` logged."""
    found = []
    for record in caplog.records:
        match = REFUSED.match(record.getMessage())
        if match and match.group(1) == feeder:
            found.append((match.group(3), match.group(4)))
    return found


def send(text: str, **fields) -> dict:
    return {"command": "send-sms", "data": {"msisdn": NUMBER, "id": uuid.uuid4().hex, **fields}}


def test_sealed_messages_open_on_every_feeder_and_bad_ones_are_refused_precisely(feeds, caplog):
    h, sim, f = feeds
    caplog.set_level(logging.WARNING, logger="otpbroker.feeders")
    key = device_key(h.data_dir)
    cases = bad_cases(key, "Kode OTP 5050505050")
    for feeder in FEEDERS:
        for _name, fields, _code, _words in cases:
            f.publish(feeder, send("", **fields))
        f.publish(feeder, send("", sealed=seal(f"OTP via {feeder}", key)))
    wait_until(lambda: counts(h, "rejected") == dict.fromkeys(FEEDERS, len(cases)), 20,
               "every bad case refused")  # fmt: skip
    sim.wait_for_deliveries(3, timeout=20)
    time.sleep(0.5)
    assert sorted(d.text for d in sim.deliveries) == [f"OTP via {n}" for n in sorted(FEEDERS)]
    expected = [code for _n, _f, code, _w in cases]
    assert sorted(f.rabbitmq_codes(len(cases) + 1)) == sorted([*expected, "0000"])
    for feeder in FEEDERS:
        logged = refusals(caplog, feeder)
        assert [code for code, _t in logged] == expected, feeder
        for (_code, text), (name, _f, _c, words) in zip(logged, cases, strict=True):
            assert words in text, (feeder, name, text)
    assert "5050505050" not in caplog.text
    assert f.publisher.ready(f.queue) == 0  # settled, not waiting for a redelivery


def test_feeders_that_require_sealing_refuse_clear_and_legacy_messages_with_1217(feeds, caplog):
    h, sim, f = feeds
    caplog.set_level(logging.WARNING, logger="otpbroker.feeders")
    h.broker.store.update_settings({"sealing.required_on_feeders": True})
    key = device_key(h.data_dir)
    legacy = {"data": [{"receiver": NUMBER, "message": "OTP 1", "id": uuid.uuid4().hex}]}
    for feeder in FEEDERS:
        f.publish(feeder, send("", message="Kode OTP 7070707070"))
        f.publish(feeder, send("", otp="707070"))
        if feeder == "ws":  # a legacy item inside a send-message frame
            f.ws.send(json.dumps({"command": "send-message", "channel": "sms",
                                  "data": legacy["data"]}))  # fmt: skip
        else:
            f.publish(feeder, legacy)
        f.publish(feeder, send("", sealed=seal(f"sealed via {feeder}", key)))
    wait_until(lambda: counts(h, "rejected") == dict.fromkeys(FEEDERS, 3), 20, "refusals")
    sim.wait_for_deliveries(3, timeout=20)
    time.sleep(0.5)
    assert sorted(d.text for d in sim.deliveries) == [f"sealed via {n}" for n in sorted(FEEDERS)]
    for feeder in FEEDERS:
        logged = refusals(caplog, feeder)
        assert [code for code, _t in logged] == ["1217"] * 3, feeder
        assert all("sealing.required_on_feeders" in text for _c, text in logged)
    assert f.publisher.ready(f.queue) == 0
    # the REST API is not a feeder: it still takes a clear message
    h.add_user()
    status, body, _ = h.send_sms(NUMBER, "clear via the API")
    assert (status, body["response_code"]) == (200, "0000"), body
