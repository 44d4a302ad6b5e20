"""RabbitMQ: no-modem messages wait in the queue; identical id-less messages are all sent."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from amqp_tools import Publisher, unique_queue

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.retry import RetryPolicy

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def setup(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    sim, modem_id = h.add_modem()
    h.start()
    queue = unique_queue()
    settings = {"host": "127.0.0.1", "port": 5672, "tls": False, "username": "guest",
                "password": "guest", "queue": queue, "vhost": "/", "prefetch": 4}  # fmt: skip
    feeder = RabbitMqFeeder(h.broker.processor, settings)
    feeder.retry_policy = RetryPolicy(delays=(0.1,), limit=1)  # then back to the queue
    feeder.start()
    assert wait_for(lambda: feeder.status.connected)
    publisher = Publisher()
    yield h, sim, modem_id, queue, feeder, publisher
    feeder.stop()
    publisher.delete([queue])
    publisher.close()
    h.stop()


def test_no_modem_available_waits_in_the_queue_until_a_modem_is_back(setup):
    h, sim, modem_id, queue, feeder, publisher = setup
    h.broker.store.update("modems", modem_id, {"active": False})
    assert wait_for(lambda: not h.broker.pool.statuses())
    publisher.publish(
        queue,
        {
            "command": "send-sms",
            "data": {"id": "wait-1", "msisdn": "08126666666", "message": "waited"},
        },
    )
    assert wait_for(lambda: feeder.status.received >= 3)  # tried twice, requeued, tried again
    assert sim.deliveries == []
    h.broker.store.update("modems", modem_id, {"active": True})
    assert [d.text for d in sim.wait_for_deliveries(1, timeout=20)] == ["waited"]
    time.sleep(1.0)
    assert len(sim.deliveries) == 1


def test_identical_messages_without_id_are_all_sent(setup):
    _h, sim, _modem_id, queue, _feeder, publisher = setup
    body = {"data": [{"receiver": "08126666666", "message": "same text"}]}
    publisher.publish(queue, body)
    publisher.publish(queue, body)
    otp = {"command": "request-otp", "data": {"msisdn": "08127777777"}}
    publisher.publish(queue, otp)
    publisher.publish(queue, otp)
    sim.wait_for_deliveries(4, timeout=20)
    texts = sorted(d.text for d in sim.deliveries)
    assert texts.count("same text") == 2
    assert len([t for t in texts if t.startswith("Your code is")]) == 2
