"""The parts of the feeders' answers that need no broker: reply addresses, bodies, the
memory of followed messages, the capture of accepted ids, and that a feeder never waits
for a publish (no connection, a full queue, an unreachable status channel)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import free_port, wait_until
from fake_sink import RecordingSink

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.feeders import mqtt_news
from otpbroker.feeders.amqp import RabbitMqFeeder
from otpbroker.feeders.manager import FeederManager
from otpbroker.feeders.mqtt import MqttFeeder
from otpbroker.feeders.replies import (
    FeederNews,
    RouteBook,
    filled_id,
    followed_id,
    reply_body,
    reply_to_problem,
    response_topic_problem,
)
from otpbroker.feeders.ws import WsBrokerFeeder
from otpbroker.services.replies import Code, Reply
from otpbroker.services.two_way_bus import TwoWayBus


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("replies", None),
        ("amq.rabbitmq.reply-to.g1h2AA==", None),
        ("a" * 255, None),
        ("", "reply_to is empty"),
        ("  \t", "reply_to is empty"),
        ("a" * 256, "reply_to is longer than 255 bytes"),
        ("é" * 128, "reply_to is longer than 255 bytes"),  # 256 bytes in UTF-8
        ("q\x00", "reply_to holds control characters"),
        ("q\x7f", "reply_to holds control characters"),
        ("q\x85", "reply_to holds control characters"),
    ],
)
def test_reply_to_problems(value, problem):
    assert reply_to_problem(value) == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("app/answers/1", None),
        ("sms/+/x", "response topic holds a wildcard (+ or #)"),
        ("sms/#", "response topic holds a wildcard (+ or #)"),
        ("$SYS/x", "response topic starts with $ (reserved by the broker)"),
        ("", "response topic is empty"),
        ("t" * 256, "response topic is longer than 255 bytes"),
        ("a\nb", "response topic holds control characters"),
    ],
)
def test_response_topic_problems(value, problem):
    assert response_topic_problem(value) == problem


def test_a_reply_body_never_holds_more_than_the_reply_and_its_ids():
    reply = Reply("request-otp", Code.OK, "sent", {"id": "x-1", "token": "t", "expires_in": 300})
    assert reply_body(reply, "c-9") == {
        "type": "reply", "id": "x-1", "command": "request-otp", "response_code": "0000",
        "response_text": "sent", "data": {"id": "x-1", "token": "t", "expires_in": 300},
        "correlation_id": "c-9",
    }  # fmt: skip
    assert reply_body(Reply("", Code.MALFORMED_JSON, "bad"))["id"] is None


def test_filled_id_gives_an_id_less_reply_the_devices_id_only():
    idless = Reply("send-sms", Code.OK, "sent", {"id": None})
    assert filled_id(idless, ["d-1"]).data == {"id": "d-1"}
    own = Reply("send-sms", Code.OK, "sent", {"id": "mine"})
    assert filled_id(own, ["d-1"]) is own
    assert filled_id(idless, []) is idless
    other = Reply("verify-otp", Code.OK, "valid", {"result": "valid"})
    assert filled_id(other, ["d-1"]) is other


def test_only_a_sent_or_perhaps_sent_message_is_followed():
    assert followed_id(Reply("send-sms", Code.OK, "sent", {"id": "a"})) == "a"
    assert followed_id(Reply("send-sms", Code.OUTCOME_UNKNOWN, "unknown", {"id": "b"})) == "b"
    assert followed_id(Reply("send-sms", Code.BLOCKED, "blocked", {"id": "c"})) is None
    assert followed_id(Reply("send-sms", Code.OK, "sent", {"id": None})) is None
    assert followed_id(Reply("verify-otp", Code.OK, "valid", {"result": "valid"})) is None


def test_route_book_is_bounded_by_count_and_time_and_forgets_final_states():
    now = [100.0]
    book = RouteBook(limit=2, seconds=60, clock=lambda: now[0])
    book.follow("a", "ra")
    book.follow("b", "rb")
    book.follow("c", "rc")  # over the limit: the oldest goes
    assert (book.route("a", False), book.route("b", False), len(book)) == (None, "rb", 2)
    now[0] += 61
    assert book.route("b", False) is None and len(book) == 1  # too old: forgotten
    book.follow("d", "rd")
    assert book.route("d", True) == "rd"  # a final state: told, then forgotten
    assert book.route("d", False) is None


def test_capture_sees_only_this_threads_accepted_messages_of_its_source():
    bus = TwoWayBus()
    news = FeederNews(bus, 60)
    told: list[tuple[str, str, object]] = []
    news.start("mqtt", lambda e, r: told.append((e.message_id, e.state.value, r)), None)
    news.follow("m-2", "route-2")
    other_thread_done = threading.Event()

    def elsewhere() -> None:
        bus.publish_status(StatusEvent("elsewhere", MessageState.ACCEPTED, "mqtt"))
        other_thread_done.set()

    with news.capture() as ids:
        bus.publish_status(StatusEvent("m-1", MessageState.ACCEPTED, "mqtt"))
        bus.publish_status(StatusEvent("rest-1", MessageState.ACCEPTED, "rest"))
        threading.Thread(target=elsewhere).start()
        assert other_thread_done.wait(5)
    assert ids == ["m-1"]
    bus.publish_status(StatusEvent("m-2", MessageState.DELIVERED, "mqtt"))
    bus.publish_inbound(InboundSms("m", "+62812", "hi", 0.0))  # not wanted: no listener
    assert told == [("m-1", "accepted", None), ("elsewhere", "accepted", None),
                    ("m-2", "delivered", "route-2")]  # fmt: skip
    news.stop()
    bus.publish_status(StatusEvent("m-3", MessageState.SENT, "mqtt"))
    assert len(told) == 3


def event(message_id: str = "e-1") -> StatusEvent:
    return StatusEvent(message_id, MessageState.DELIVERED, "x")


def test_rabbitmq_without_a_connection_drops_and_counts_at_once():
    feeder = RabbitMqFeeder(RecordingSink(), {"queue": "q", "status_routing_key": "st"})
    for _ in range(3):  # no broker to wait for: each returns at once, dropped and counted
        feeder.tell_status(event(), None)
    feeder.tell_inbound(InboundSms("m", "+62812", "hi", 0.0))
    assert (feeder.status.news_dropped, feeder.status.news_sent) == (4, 0)


def test_mqtt_drops_beyond_its_queue_and_counts(monkeypatch):
    monkeypatch.setattr(mqtt_news, "MAX_WAITING", 2)
    feeder = MqttFeeder(RecordingSink(), {"topic": "t", "status_topic": "st"})
    for index in range(5):
        feeder.tell_status(event(f"e-{index}"), None)
    assert feeder.status.news_dropped == 3
    feeder.stop(1)


def test_ws_status_sender_never_holds_the_feeder_and_stops_promptly():
    port = free_port()  # nothing listens there
    settings = {"url": f"ws://127.0.0.1:{port}/", "username": "u", "password": "p",
                "channel": "sms", "status_channel": "sms-status"}  # fmt: skip
    feeder = WsBrokerFeeder(RecordingSink(), settings)
    feeder.delays = (0.05,)
    feeder.outgoing.delays = (0.05,)
    feeder.start()
    try:
        for index in range(3):
            feeder.tell_status(event(f"e-{index}"), None)
        wait_until(lambda: feeder.status.reconnects >= 1, 10, "the receiver tried again")
    finally:
        feeder.stop(5)
    assert not feeder.outgoing._thread.is_alive()
    assert (feeder.status.news_sent, feeder.status.news_dropped) == (0, 3)  # told at stop


def test_the_followed_messages_outlive_a_restart_for_new_settings():
    bus = TwoWayBus()
    manager = FeederManager(RecordingSink(), {"ws": WsBrokerFeeder})
    wait = [600.0]
    manager.attach_news(bus, lambda: wait[0])
    url = f"ws://127.0.0.1:{free_port()}/"  # nothing listens: no connection is needed
    settings = {"feeders.ws.enabled": True, "feeders.ws.url": url, "feeders.ws.channel": "a",
                "feeders.ws.status_channel": ""}  # fmt: skip
    try:
        manager.apply(settings)
        first = manager.feeder("ws")
        assert first is not None and first.news is not None
        first.news.follow("m-1", "route-1")
        wait[0] = 900.0
        manager.apply({**settings, "feeders.ws.channel": "b"})  # restarted
        second = manager.feeder("ws")
        assert second is not None and second is not first and second.news is not None
        assert second.news.routes.route("m-1", False) == "route-1"
        assert second.news.routes.seconds == 900.0
        bus.publish_status(StatusEvent("m-1", MessageState.DELIVERED, "ws"))  # final
        assert len(second.news.routes) == 0  # told, then forgotten
    finally:
        manager.stop(0.5)


def test_an_event_told_while_its_reply_is_sent_goes_after_the_reply_to_its_route():
    bus = TwoWayBus()
    news = FeederNews(bus, 60)
    told: list[tuple[str, object]] = []
    news.start("ws", lambda e, r: told.append((e.message_id, r)), None)
    producers: list[threading.Thread] = []

    def send() -> None:
        event = StatusEvent("m", MessageState.SENT, "ws")
        producer = threading.Thread(target=bus.publish_status, args=(event,))
        producers.append(producer)
        producer.start()
        producer.join(0.3)  # it waits behind the reply (without the order, it would pass)
        told.append(("reply", None))

    news.answer("m", "route", send)
    producers[0].join(5)
    assert told == [("reply", None), ("m", "route")]
