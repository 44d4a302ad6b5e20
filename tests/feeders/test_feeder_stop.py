"""A graceful stop with feeder messages in the broker: the real RabbitMQ and Mosquitto.

Two messages for two numbers reach a Broker whose one emulated modem takes 1.5 s per SMS:
the first is on the air when the stop begins, the second waits for the modem. The stop
lets the first finish (acknowledged) and gives the second back to its broker (RabbitMQ:
requeued; MQTT: left unacknowledged in the persistent session). A second Broker on the
same data directory then sends the second one, once; the first is never sent again.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import Publisher, rabbitmq_available, unique_queue
from broker_harness import BrokerHarness
from mqtt_tools import MqttPublisher, drop_session, mosquitto_available

FIRST, SECOND = "628126666611", "628126666612"
TIMEOUT = 30.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Wait until ``condition()`` holds (AssertionError naming ``what`` otherwise)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def message(number: str, message_id: str) -> dict[str, Any]:
    return {"command": "send-sms", "data": {"id": message_id, "msisdn": number,
                                            "message": f"Kode OTP {number[-6:]}"}}  # fmt: skip


def destinations(harness: BrokerHarness) -> list[str]:
    """The numbers every emulated modem of ``harness`` delivered to, in order."""
    return [part.submit.destination.lstrip("+") for sim in harness.sims for part in sim.log.parts]


def on_the_air(data_dir: Path, message_id: str) -> bool:
    """True once the message is recorded as ``sending`` (its AT+CMGS is being written)."""
    path = data_dir / "send-ledger.log"
    if not path.exists():
        return False
    lines = [json.loads(line.split(" ", 1)[1]) for line in path.read_text().splitlines()]
    return any(r["k"] == f"sms:{message_id}" and r["s"] == "sending" for r in lines)


def first_broker(data_dir: Path, settings: dict[str, Any]) -> BrokerHarness:
    """A Broker with one slow modem (1.5 s per SMS) and the feeder ``settings``."""
    h = BrokerHarness(data_dir)
    h.add_modem(profile={"send_delay": 1.5})
    h.broker.store.update_settings(settings)
    return h.start()


def second_broker(data_dir: Path, first: BrokerHarness) -> BrokerHarness:
    """A Broker on the same data directory, the first one's modem deactivated, a fast one
    added."""
    h = BrokerHarness(data_dir)
    for modem_id in first.modem_ids:
        h.broker.store.update("modems", modem_id, {"active": False})
    h.add_modem(profile={"send_delay": 0.05})
    return h.start()


def stop_with_one_on_the_air(h: BrokerHarness, publish: Callable[[dict[str, Any]], None]) -> None:
    """Publish two messages; stop once the first is on the air and the second waits."""
    first_id = f"first-{uuid.uuid4().hex[:8]}"
    publish(message(FIRST, first_id))
    wait_for(lambda: on_the_air(h.data_dir, first_id), "the first message to be on the air")
    publish(message(SECOND, f"second-{uuid.uuid4().hex[:8]}"))
    wait_for(lambda: h.broker.pool.waiting() == 1, "the second message to wait for the modem")
    h.broker.stop()
    for sim in h.sims:
        sim.stop()


# -- RabbitMQ ------------------------------------------------------------------------------------


@pytest.fixture
def queue() -> Iterator[tuple[Publisher, str]]:
    if not rabbitmq_available():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    publisher = Publisher()
    name = unique_queue("otpb-stop")
    publisher.channel.queue_declare(name, durable=True)
    yield publisher, name
    publisher.delete([name])
    publisher.close()


def queued(publisher: Publisher, name: str) -> int:
    """Messages ready in the queue now."""
    return publisher.channel.queue_declare(name, durable=True, passive=True).method.message_count


def test_rabbitmq_a_message_not_started_is_requeued_and_sent_once_after_the_restart(
    tmp_path: Path, queue: tuple[Publisher, str]
):
    publisher, name = queue
    data_dir = tmp_path / "data"
    first = first_broker(data_dir, {
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": name, "feeders.rabbitmq.prefetch": 4,
    })  # fmt: skip
    feeder = first.broker.feeders.feeder("rabbitmq")
    assert feeder is not None
    stop_with_one_on_the_air(first, lambda body: publisher.publish(name, body))
    assert destinations(first) == [FIRST]  # the one on the air, and only it
    assert queued(publisher, name) == 1  # the other is back in the queue (never acked)
    assert feeder.status.rejected == 0  # given back is not refused

    second = second_broker(data_dir, first)
    try:
        wait_for(lambda: destinations(second) == [SECOND], "the requeued message to be sent")
        wait_for(lambda: queued(publisher, name) == 0, "the queue to be empty")
        time.sleep(1.0)  # nothing else comes: the first one was acknowledged
        assert destinations(second) == [SECOND]
    finally:
        second.stop()


# -- MQTT ----------------------------------------------------------------------------------------


def test_mqtt_a_message_not_started_is_left_unacknowledged_and_sent_once_after_the_restart(
    tmp_path: Path,
):
    if not mosquitto_available():
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    topic = f"otpb-stop/{uuid.uuid4().hex[:8]}"
    client_id = f"otpb-stop-{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path / "data"
    publisher = MqttPublisher()
    second: BrokerHarness | None = None
    try:
        first = first_broker(data_dir, {
            "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1",
            "feeders.mqtt.topic": topic, "feeders.mqtt.client_id": client_id,
        })  # fmt: skip
        feeder = first.broker.feeders.feeder("mqtt")
        assert feeder is not None
        wait_for(lambda: feeder.status.connected, "the MQTT feeder to subscribe")
        stop_with_one_on_the_air(first, lambda body: publisher.publish(topic, body))
        assert destinations(first) == [FIRST]

        second = second_broker(data_dir, first)
        wait_for(
            lambda: destinations(second) == [SECOND], "the unacknowledged message to come back"
        )
        time.sleep(1.0)  # nothing else comes: the first one was acknowledged
        assert destinations(second) == [SECOND]
    finally:
        if second is not None:
            second.stop()
        publisher.close()
        drop_session(client_id)
