"""The RabbitMQ feeder on quorum queues: declaration arguments, a queue declared otherwise,
dead-lettering, the delivery limit, expiry, prefetch following the modems, route classes.

A real RabbitMQ on loopback, a real Broker's command processor and planner, emulated modems
on ptys. Every test uses its own queues and exchanges and deletes them.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import (
    Publisher,
    TcpProxy,
    rabbitmq_available,
    rabbitmqctl,
    unique_queue,
    wait_until,
)
from broker_harness import BrokerHarness

from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.amqp_queues import mismatch_notice, queue_arguments
from otpbroker.feeders.retry import RetryPolicy
from otpbroker.services.route_classes import ConsumptionPlanner

pytestmark = pytest.mark.skipif(not rabbitmq_available(), reason="no RabbitMQ on 127.0.0.1:5672")


# -- pure parts -----------------------------------------------------------------------------------
def test_the_declaration_arguments_follow_the_settings():
    assert queue_arguments({}) == {}
    assert queue_arguments({"queue_type": "classic", "delivery_limit": 3}) == {}
    assert queue_arguments(
        {"queue_type": "quorum", "delivery_limit": 3, "dead_letter_exchange": "dlx",
         "dead_letter_routing_key": "dead"}
    ) == {"x-queue-type": "quorum", "x-delivery-limit": 3, "x-dead-letter-exchange": "dlx",
          "x-dead-letter-routing-key": "dead"}  # fmt: skip
    assert queue_arguments({"queue_type": "quorum", "delivery_limit": 0}) == {
        "x-queue-type": "quorum"
    }
    assert queue_arguments({"dead_letter_routing_key": "dead"}) == {}  # no exchange, no key


def test_a_mismatch_is_said_in_plain_words():
    text = ("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/':"
            " received the value 'quorum' of type 'longstr' but current is none")  # fmt: skip
    assert mismatch_notice("q", text) == (
        "queue 'q' is a classic queue but the settings ask for quorum; it is used as it is,"
        " the settings' arguments are not applied"
    )
    other = ("PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-exchange' for queue 'q' in"
             " vhost '/': received the value 'dlx' of type 'longstr' but current is none")  # fmt: skip
    assert "exists with x-dead-letter-exchange none, the settings ask for dlx" in (
        mismatch_notice("q", other)
    )


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem(prefixes=["62811"], profile={"send_delay": 0.005})
    h.add_modem(prefixes=["62817"], profile={"send_delay": 0.005})
    h.start()
    yield h
    h.stop()


@pytest.fixture
def rabbit():
    """(publisher, names): every queue and exchange named by ``names`` is deleted after."""
    publisher = Publisher()
    queues: list[str] = []
    exchanges: list[str] = []

    def names(kind: str = "queue") -> str:
        name = unique_queue("otpb-q" if kind == "queue" else "otpb-x")
        (queues if kind == "queue" else exchanges).append(name)
        return name

    yield publisher, names
    channel = publisher.connection.channel()
    for queue in queues:
        channel.queue_delete(queue)
    for exchange in exchanges:
        channel.exchange_delete(exchange)
    publisher.close()


@pytest.fixture
def feeders(harness):
    """start(queue, planned=True, **settings) -> a started feeder (stopped afterwards)."""
    started: list[RabbitMqFeeder] = []

    def start(
        queue: str,
        planned: bool = True,
        port: int = 5672,
        retry: RetryPolicy | None = None,
        **over: object,
    ) -> RabbitMqFeeder:
        settings = {"host": "127.0.0.1", "port": port, "username": "guest",
                    "password": "guest", "queue": queue, "prefetch": 10, **over}  # fmt: skip
        feeder = RabbitMqFeeder(harness.broker.processor, settings)
        feeder.delays = (0.5, 1.0)
        feeder.poll_seconds = 0.1
        if retry is not None:
            feeder.retry_policy = retry
        if planned:
            feeder.planner = ConsumptionPlanner(harness.broker.sms.routes, harness.broker.settings)
        started.append(feeder)
        feeder.start()
        wait_until(lambda: feeder.status.connected, 15, "the feeder connected")
        return feeder

    yield start
    for feeder in started:
        feeder.stop()


def sms(msisdn: str, text: str, message_id: str) -> dict:
    return {"command": "send-sms", "data": {"id": message_id, "msisdn": msisdn, "message": text}}


def delivered(h: BrokerHarness) -> list[str]:
    return [d.text for sim in h.sims for d in sim.deliveries]


def ctl_json(*args: str) -> list[dict]:
    ctl = rabbitmqctl()
    assert ctl is not None
    done = subprocess.run([ctl, "-q", *args, "--formatter", "json"], capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout or "[]")


def consumers_of(queue: str) -> list[tuple[int, dict]]:
    """(prefetch, arguments) of each consumer of ``queue``."""
    rows = ctl_json("list_consumers", "queue_name", "prefetch_count", "arguments")
    return [(row["prefetch_count"], {a[0]: a[2] for a in row["arguments"]})
            for row in rows if row["queue_name"] == queue]  # fmt: skip


def dead_letters(publisher: Publisher, names) -> tuple[str, str]:
    """A direct exchange and a queue bound to it with routing key ``dead``."""
    exchange, queue = names("exchange"), names()
    publisher.channel.exchange_declare(exchange, "direct", durable=False)
    publisher.channel.queue_declare(queue, durable=True)
    publisher.channel.queue_bind(queue, exchange, "dead")
    return exchange, queue


NO_CTL = pytest.mark.skipif(rabbitmqctl() is None, reason="rabbitmqctl is not on PATH")


# -- declaration ------------------------------------------------------------------------------
@NO_CTL
def test_a_quorum_queue_is_declared_with_its_limit_and_dead_letter_exchange(
    harness, rabbit, feeders
):
    publisher, names = rabbit
    queue = names()
    feeders(queue, queue_type="quorum", delivery_limit=3, dead_letter_exchange="dlx-x",
            dead_letter_routing_key="dead")  # fmt: skip
    [row] = [r for r in ctl_json("list_queues", "name", "type", "durable", "arguments")
             if r["name"] == queue]  # fmt: skip
    assert row["type"] == "quorum" and row["durable"] is True
    assert {a[0]: a[2] for a in row["arguments"]} == {
        "x-queue-type": "quorum", "x-delivery-limit": 3,
        "x-dead-letter-exchange": "dlx-x", "x-dead-letter-routing-key": "dead",
    }  # fmt: skip
    publisher.publish(queue, sms("0811111111", "quorum one", "q-1"))
    wait_until(lambda: delivered(harness) == ["quorum one"], 20, "the message sent")


def test_a_queue_declared_otherwise_is_used_as_it_is_said_once_and_not_redeclared(
    harness, rabbit, feeders, caplog
):
    publisher, names = rabbit
    queue = names()
    publisher.channel.queue_declare(queue, durable=True)  # classic, made by someone else
    proxy = TcpProxy()
    try:
        caplog.set_level(logging.INFO, logger="otpbroker")
        feeder = feeders(queue, port=proxy.port, queue_type="quorum")
        want = (f"queue {queue!r} is a classic queue but the settings ask for quorum; it is"
                " used as it is, the settings' arguments are not applied")  # fmt: skip
        wait_until(lambda: feeder.status.last_error == want, 10, "the notice in the status")
        assert feeder.status.connected
        publisher.publish(queue, sms("0811111111", "as it is", "m-1"))
        wait_until(lambda: delivered(harness) == ["as it is"], 20, "the message sent")
        proxy.drop()  # a reconnect meets the same queue again
        wait_until(lambda: feeder.status.reconnects >= 1, 20, "a reconnect")
        wait_until(lambda: feeder.status.connected, 20, "connected again")
        wait_until(lambda: feeder.status.last_error == want, 10, "the notice shown again")
        publisher.publish(queue, sms("0811111111", "after the cut", "m-2"))
        wait_until(lambda: len(delivered(harness)) == 2, 20, "the second message sent")
    finally:
        proxy.close()
    said = [r for r in caplog.records if "is a classic queue" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.ERROR
    assert proxy.accepted == 2  # one connection each time, no redeclare loop


def test_a_missing_dead_letter_exchange_is_not_needed_to_consume(harness, rabbit, feeders):
    publisher, names = rabbit
    queue = names()
    feeders(queue, queue_type="quorum", dead_letter_exchange="otpb-nowhere")
    publisher.publish(queue, sms("0811111111", "consumed", "n-1"))
    wait_until(lambda: delivered(harness) == ["consumed"], 20, "the message sent")


# -- poison, delivery limit, expiry ------------------------------------------------------------
def test_a_malformed_message_is_dead_lettered_and_the_consumer_keeps_running(
    harness, rabbit, feeders
):
    publisher, names = rabbit
    exchange, dead = dead_letters(publisher, names)
    queue = names()
    feeder = feeders(queue, queue_type="quorum", delivery_limit=5,
                     dead_letter_exchange=exchange, dead_letter_routing_key="dead")  # fmt: skip
    publisher.publish(queue, b"{not json", message_id="poison-1")
    publisher.publish(queue, sms("0811111111", "after the poison", "p-2"))
    wait_until(lambda: delivered(harness) == ["after the poison"], 20, "the good one sent")
    [(properties, body)] = wait_until(lambda: publisher.get_all(dead), 20, "the dead letter")
    assert body == b"{not json" and properties.message_id == "poison-1"
    assert properties.headers["x-death"][0]["reason"] == "rejected"
    assert feeder.status.connected and publisher.ready(queue) == 0


def test_a_message_no_modem_can_take_ends_in_the_dead_letter_exchange_at_its_limit(
    harness, rabbit, feeders
):
    publisher, names = rabbit
    exchange, dead = dead_letters(publisher, names)
    queue = names()
    for modem_id in harness.modem_ids:  # the modems send only the admin's manual SMS
        harness.broker.store.update("modems", modem_id, {"send_from_api": False})
    wait_until(lambda: not any(r.eligible() for r in harness.broker.sms.routes()), 20,
               "no modem for the API")  # fmt: skip
    feeder = feeders(queue, retry=RetryPolicy(delays=(0.05,), limit=1), queue_type="quorum",
                     delivery_limit=2, dead_letter_exchange=exchange,
                     dead_letter_routing_key="dead")  # fmt: skip
    publisher.publish(queue, sms("0811111111", "never sent", "limit-1"))
    [(properties, _)] = wait_until(lambda: publisher.get_all(dead), 30, "the dead letter")
    assert properties.headers["x-death"][0]["reason"] == "delivery_limit"
    assert feeder.status.received == 3  # delivered, requeued twice, then dead-lettered
    assert delivered(harness) == [] and publisher.ready(queue) == 0


@NO_CTL
def test_an_expired_message_is_acknowledged_unsent_and_answered_expired(harness, rabbit, feeders):
    publisher, names = rabbit
    queue, replies = names(), names()
    publisher.channel.queue_declare(replies, durable=True)
    feeders(queue, queue_type="quorum")
    stale = int(time.time()) - 600  # published ten minutes ago, worth one minute
    publisher.publish(queue, sms("0811111111", "stale OTP 1234", "e-1"), expiration="60000",
                      timestamp=stale, reply_to=replies, correlation_id="c-1")  # fmt: skip
    publisher.publish(queue, sms("0811111111", "fresh OTP", "e-2"), expiration="60000")
    wait_until(lambda: delivered(harness) == ["fresh OTP"], 20, "the fresh one sent")
    [(properties, body)] = wait_until(lambda: publisher.get_all(replies), 20, "the reply")
    reply = json.loads(body)
    assert properties.correlation_id == "c-1" and reply["response_code"] == "1104"
    assert publisher.ready(queue) == 0 and "stale OTP 1234" not in delivered(harness)
    time.sleep(0.5)
    rows = ctl_json("list_queues", "name", "messages_unacknowledged")
    assert next(r for r in rows if r["name"] == queue)["messages_unacknowledged"] == 0


# -- prefetch and route classes ----------------------------------------------------------------
@NO_CTL
def test_the_prefetch_follows_the_modems_that_can_send(harness, rabbit, feeders):
    _, names = rabbit
    queue = names()
    feeders(queue, queue_type="quorum", prefetch_per_modem=3, consumer_priority=4)
    wait_until(lambda: consumers_of(queue) == [(6, {"x-priority": 4})], 20, "prefetch 2 x 3")
    harness.broker.store.update("modems", harness.modem_ids[0], {"active": False})
    wait_until(lambda: consumers_of(queue) == [(3, {"x-priority": 4})], 20, "prefetch 1 x 3")
    harness.broker.store.update("modems", harness.modem_ids[1], {"active": False})
    wait_until(lambda: consumers_of(queue) == [(1, {"x-priority": 4})], 20, "at least 1")
    harness.broker.store.update("modems", harness.modem_ids[0], {"active": True})
    wait_until(lambda: consumers_of(queue) == [(3, {"x-priority": 4})], 20, "one back")


@NO_CTL
def test_a_window_changed_mid_stream_loses_and_doubles_nothing(harness, rabbit, feeders):
    publisher, names = rabbit
    queue = names()
    for sim in harness.sims:
        sim.profile.send_delay = 0.2
    feeder = feeders(queue, queue_type="quorum", prefetch_per_modem=2)
    wait_until(lambda: consumers_of(queue) == [(4, {})], 20, "prefetch 2 x 2")
    texts = [f"stream {i:02d}" for i in range(30)]
    for i, text in enumerate(texts):  # all for the first modem; the second sets the window
        publisher.publish(queue, sms(f"0811{1000000 + i:07d}", text, f"s-{i}"))
    wait_until(lambda: len(delivered(harness)) >= 5, 30, "the stream under way")
    harness.broker.store.update("modems", harness.modem_ids[1], {"active": False})
    wait_until(lambda: consumers_of(queue) == [(2, {})], 30, "the window down to 2")
    harness.broker.store.update("modems", harness.modem_ids[1], {"active": True})
    wait_until(lambda: len(delivered(harness)) >= len(texts), 90, "the whole stream sent")
    time.sleep(1.0)
    assert sorted(delivered(harness)) == texts  # each once
    assert feeder.status.connected and feeder.status.reconnects == 0


@NO_CTL
def test_a_class_is_cancelled_while_its_modems_are_down_and_resumed_after(harness, rabbit, feeders):
    publisher, names = rabbit
    main, tsel, xl = names(), names(), names()
    feeder = feeders(main, queue_type="quorum", prefetch_per_modem=1,
                     route_classes=[f"tsel;{tsel};10;62811", f"xl;{xl};-3;0817"])  # fmt: skip
    wait_until(lambda: consumers_of(tsel) == [(1, {"x-priority": 10})], 20, "tsel consumed")
    wait_until(lambda: consumers_of(xl) == [(1, {"x-priority": -3})], 20, "xl consumed")
    xl_modem = harness.modem_ids[1]
    harness.broker.store.update("modems", xl_modem, {"active": False})
    wait_until(lambda: consumers_of(xl) == [], 20, "the xl consumer cancelled")
    assert consumers_of(tsel) == [(1, {"x-priority": 10})]
    received = feeder.status.received
    publisher.publish(xl, sms("0817000001", "waits for xl", "x-1"))
    publisher.publish(tsel, sms("0811000001", "tsel goes", "t-1"))
    wait_until(lambda: delivered(harness) == ["tsel goes"], 20, "the tsel one sent")
    time.sleep(1.0)
    assert publisher.ready(xl) == 1  # not taken, not rejected and requeued in a loop
    assert feeder.status.received == received + 1
    harness.broker.store.update("modems", xl_modem, {"active": True})
    wait_until(lambda: consumers_of(xl) == [(1, {"x-priority": -3})], 20, "xl consumed again")
    wait_until(lambda: sorted(delivered(harness)) == ["tsel goes", "waits for xl"], 20, "sent")
    assert harness.sims[1].deliveries[0].text == "waits for xl"


def test_without_a_planner_every_queue_is_consumed_with_the_full_window(harness, rabbit, feeders):
    publisher, names = rabbit
    main, extra = names(), names()
    feeder = feeders(main, planned=False, route_classes=[f"c;{extra};1;62899"])
    assert [w.queue for w in feeder.plan()] == [main, extra]
    assert {w.prefetch for w in feeder.plan()} == {10}
    publisher.publish(extra, sms("0811111111", "class queue", "w-1"))
    wait_until(lambda: delivered(harness) == ["class queue"], 20, "the message sent")


def test_malformed_route_classes_in_the_store_leave_the_main_queue_working(
    harness, rabbit, feeders, caplog
):
    publisher, names = rabbit
    queue = names()
    caplog.set_level(logging.ERROR, logger="otpbroker")
    feeder = feeders(queue, route_classes=["a;q1;1;62811", "a;q2;1;62817"])
    want = "route classes not used: route classes: name 'a' is used twice"
    wait_until(lambda: feeder.status.last_error == want, 10, "the problem in the status")
    publisher.publish(queue, sms("0811111111", "main queue", "b-1"))
    wait_until(lambda: delivered(harness) == ["main queue"], 20, "the message sent")
    assert [r.getMessage() for r in caplog.records].count(f"rabbitmq: {want}") == 1


def test_a_channel_closed_under_a_consumer_reconnects(harness, rabbit, feeders):
    publisher, names = rabbit
    queue = names()
    feeder = feeders(queue)
    publisher.channel.queue_delete(queue)  # RabbitMQ cancels the consumer
    wait_until(lambda: feeder.status.reconnects >= 1, 20, "a reconnect")
    wait_until(lambda: feeder.status.connected, 20, "connected again (queue declared)")
    publisher.publish(queue, sms("0811111111", "after the delete", "d-1"))
    wait_until(lambda: delivered(harness) == ["after the delete"], 20, "the message sent")


def test_the_connection_test_is_still_offered_by_the_feeder_module():
    from otpbroker.feeders import amqp

    settings = {"host": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest",
                "queue": unique_queue()}  # fmt: skip
    assert amqp.probe(settings) is None  # a queue not declared yet is fine
    assert "credentials rejected" in str(amqp.probe({**settings, "password": "wrong"}))
