"""RabbitMQ replies and status: reply_to + correlation_id, direct reply-to, the status
routing key, later events, request-otp / verify-otp, a malformed reply_to. A real RabbitMQ
on loopback and a real broker with an emulated modem; every test uses its own queues."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from pathlib import Path

import pika
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import Publisher, connect, rabbitmq_available, unique_queue, wait_until
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

from otpbroker.domain.message_life import MessageState
from otpbroker.feeders.amqp import RabbitMqFeeder


@pytest.fixture
def harness(tmp_path):
    if not rabbitmq_available():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    h = news_harness(tmp_path / "data")
    yield h
    h.stop()


@pytest.fixture
def rabbit():
    """(publisher, made): every queue named in ``made`` is deleted afterwards."""
    publisher = Publisher()
    made: list[str] = []
    yield publisher, made
    publisher.delete(made)
    publisher.close()


@pytest.fixture
def start(harness, rabbit):
    """start(**settings) -> (feeder, its queue): a connected RabbitMqFeeder on the bus."""
    started: list[RabbitMqFeeder] = []

    def run(**settings) -> tuple[RabbitMqFeeder, str]:
        queue = unique_queue("otpb-news")
        rabbit[1].append(queue)
        base = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": queue, "prefetch": 10}  # fmt: skip
        feeder = attach(harness, RabbitMqFeeder(harness.broker.processor, {**base, **settings}))
        started.append(feeder)
        feeder.start()
        wait_until(lambda: feeder.status.connected, 15, "the feeder connected")
        return feeder, queue

    yield run
    for feeder in started:
        feeder.stop()


def reply_queue(rabbit) -> str:
    publisher, made = rabbit
    name = unique_queue("otpb-replies")
    publisher.channel.queue_declare(name, durable=True)
    made.append(name)
    return name


def collect(publisher: Publisher, queue: str, count: int) -> list[tuple]:
    got: list[tuple] = []

    def enough() -> bool:
        got.extend(publisher.get_all(queue))
        return len(got) >= count

    wait_until(enough, 20, f"{count} message(s) on {queue}")
    return [(properties, json.loads(body)) for properties, body in got]


def test_reply_to_gets_the_reply_then_the_later_events_with_the_correlation_id(
    harness, rabbit, start
):
    publisher, _ = rabbit
    feeder, queue = start()
    replies = reply_queue(rabbit)
    publisher.publish(queue, send_sms("08126666666", "OTP Anda 4321"),  # no id: the device's
                      reply_to=replies, correlation_id="corr-a")  # fmt: skip
    [(properties, reply)] = collect(publisher, replies, 1)
    assert properties.correlation_id == "corr-a"
    assert properties.content_type == "application/json"
    assert (reply["type"], reply["command"], reply["response_code"]) == (
        "reply",
        "send-sms",
        "0000",
    )
    message_id = reply["id"]
    assert message_id.startswith("d-") and reply["data"]["id"] == message_id
    assert reply["correlation_id"] == "corr-a"
    later(harness, "not-this-one", "rabbitmq")  # a message not followed: not sent there
    later(harness, message_id, "rest")  # same id from another transport: not ours
    event = later(harness, message_id, "rabbitmq")
    [(properties, body)] = collect(publisher, replies, 1)
    assert properties.correlation_id == "corr-a"
    assert body == json.loads(json.dumps(event.as_json()))
    assert (body["type"], body["state"], body["id"]) == ("status", "delivered", message_id)
    later(harness, message_id, "rabbitmq", MessageState.NOT_DELIVERED)  # after a final state
    time.sleep(0.3)
    assert publisher.get_all(replies) == []  # forgotten once final
    assert "4321" not in json.dumps(reply)
    assert feeder.status.news_sent >= 2 and feeder.status.news_dropped == 0


def test_direct_reply_to_gets_the_reply_and_later_events(harness, rabbit, start):
    _, queue = start()
    client = connect()
    got: list[tuple] = []
    try:
        channel = client.channel()
        channel.basic_consume("amq.rabbitmq.reply-to",
                              lambda _ch, _m, props, body: got.append((props, json.loads(body))),
                              auto_ack=True)  # fmt: skip
        channel.basic_publish("", queue, json.dumps(send_sms("08126666666", "hi", "dr-1")),
                              pika.BasicProperties(reply_to="amq.rabbitmq.reply-to",
                                                   correlation_id="corr-d"))  # fmt: skip

        def wait_for(count: int) -> None:
            deadline = time.monotonic() + 20
            while len(got) < count and time.monotonic() < deadline:
                client.process_data_events(time_limit=0.1)
            assert len(got) >= count, got

        wait_for(1)
        properties, reply = got[0]
        assert (properties.correlation_id, reply["id"], reply["response_code"]) == (
            "corr-d", "dr-1", "0000")  # fmt: skip
        later(harness, "dr-1", "rabbitmq")
        wait_for(2)
        assert (got[1][0].correlation_id, got[1][1]["state"]) == ("corr-d", "delivered")
    finally:
        client.close()


def test_status_routing_key_gets_this_feeders_events_and_every_received_sms(harness, rabbit, start):
    publisher, made = rabbit
    status_queue = unique_queue("otpb-status")  # not declared: the feeder declares it
    made.append(status_queue)
    _, queue = start(status_routing_key=status_queue)
    assert publisher.ready(status_queue) == 0  # declared (durable) when the feeder connected
    publisher.publish(queue, send_sms("08126666666", "OTP 5555", "st-1"))
    events = collect(publisher, status_queue, 2)
    assert [(e["id"], e["state"]) for _, e in events] == [("st-1", "accepted"), ("st-1", "sent")]
    assert all(p.delivery_mode == 2 for p, _ in events)
    later(harness, "other-transport", "mqtt")  # another feeder's message: not published here
    inbound = received(harness, "STOP")
    [(properties, body)] = collect(publisher, status_queue, 1)
    assert body == json.loads(json.dumps(inbound.as_json()))
    assert properties.delivery_mode == 1  # a received text is never persisted by RabbitMQ
    assert "5555" not in json.dumps([e for _, e in events])


def test_a_named_status_exchange_and_a_missing_one(harness, rabbit, start, caplog):
    publisher, made = rabbit
    exchange = f"otpb-x-{uuid.uuid4().hex[:8]}"
    bound = unique_queue("otpb-bound")
    made.append(bound)
    publisher.channel.exchange_declare(exchange, "direct", auto_delete=True)
    publisher.channel.queue_declare(bound, durable=True)
    publisher.channel.queue_bind(bound, exchange, "news")
    try:
        _, queue = start(status_exchange=exchange, status_routing_key="news")
        publisher.publish(queue, send_sms("08126666666", "via exchange", "ex-1"))
        events = collect(publisher, bound, 2)
        assert [e["state"] for _, e in events] == ["accepted", "sent"]
    finally:
        publisher.channel.exchange_delete(exchange)
    caplog.set_level(logging.ERROR, "otpbroker.feeders.amqp_news")
    missing = f"otpb-missing-{uuid.uuid4().hex[:8]}"
    feeder, queue = start(status_exchange=missing, status_routing_key="news")
    replies = reply_queue(rabbit)
    publisher.publish(queue, send_sms("08126666666", "still works", "ex-2"),
                      reply_to=replies, correlation_id="c")  # fmt: skip
    [(_, reply)] = collect(publisher, replies, 1)  # the consumer lives on, replies go
    assert reply["response_code"] == "0000"
    assert any(missing in r.getMessage() for r in caplog.records)
    wait_until(lambda: feeder.status.news_dropped >= 2, 10, "status events dropped, counted")
    assert feeder.status.connected


@pytest.mark.parametrize("reply_to", ["   ", "queue\x01name", "new\nline"])
def test_a_malformed_reply_to_is_refused_with_1219_and_nothing_is_sent(
    harness, rabbit, start, caplog, reply_to
):
    publisher, _ = rabbit
    caplog.set_level(logging.WARNING, "otpbroker.feeders.amqp")
    feeder, queue = start()
    publisher.publish(queue, send_sms("08126666666", "OTP 7777", "bad-1"),
                      reply_to=reply_to, correlation_id="c")  # fmt: skip
    wait_until(lambda: feeder.status.rejected == 1, 15, "the message refused")
    wait_until(lambda: publisher.ready(queue) == 0, 10, "the message acknowledged")
    publisher.publish(queue, send_sms("08126666666", "OTP 8888", "good-1"))  # the next runs
    harness.sims[0].wait_for_deliveries(1)
    time.sleep(0.3)
    assert [d.text for d in harness.sims[0].deliveries] == ["OTP 8888"]
    refusals = [r.getMessage() for r in caplog.records if "1219" in r.getMessage()]
    assert len(refusals) == 1 and "7777" not in refusals[0] and "0812" not in refusals[0]
    assert feeder.status.news_sent == 0


def test_request_otp_returns_the_token_and_verify_otp_answers_over_reply_to(harness, rabbit, start):
    publisher, _ = rabbit
    _, queue = start()
    replies = reply_queue(rabbit)
    publisher.publish(queue, request_otp(message_id="otp-1"), reply_to=replies,
                      correlation_id="o-1")  # fmt: skip
    [(_, reply)] = collect(publisher, replies, 1)
    assert (reply["command"], reply["response_code"], reply["id"]) == ("request-otp", "0000",
                                                                        "otp-1")  # fmt: skip
    code = otp_sent(harness)
    assert code not in json.dumps(reply)
    publisher.publish(queue, verify_otp(reply["data"]["token"], code), reply_to=replies,
                      correlation_id="o-2")  # fmt: skip
    [(properties, answer)] = collect(publisher, replies, 1)
    assert properties.correlation_id == "o-2"
    assert (answer["command"], answer["response_code"], answer["data"]["result"]) == (
        "verify-otp", "0000", "valid")  # fmt: skip


@pytest.mark.parametrize("reply_to", ["otpb-no-such-queue", "amq.rabbitmq.reply-to.bogus"])
def test_a_reply_that_reaches_nobody_changes_nothing(harness, rabbit, start, reply_to):
    publisher, _ = rabbit
    feeder, queue = start()
    publisher.publish(queue, send_sms("08126666666", "first", "nobody-1"), reply_to=reply_to)
    publisher.publish(queue, send_sms("08126666666", "second", "nobody-2"))
    harness.sims[0].wait_for_deliveries(2)
    wait_until(lambda: feeder.status.processed == 2, 15, "both processed")
    wait_until(lambda: publisher.ready(queue) == 0, 10, "both acknowledged")
    later(harness, "nobody-1", "rabbitmq")  # its later event goes the same way: nowhere
    time.sleep(0.3)
    assert [d.text for d in harness.sims[0].deliveries] == ["first", "second"]
    assert feeder.status.connected and feeder.status.reconnects == 0
