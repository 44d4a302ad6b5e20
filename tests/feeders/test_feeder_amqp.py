"""The RabbitMQ feeder end to end: a real RabbitMQ on loopback, a real Broker's command
processor, emulated modems on ptys. Every test uses its own queues and deletes them."""

from __future__ import annotations

import json
import logging
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pika.frame import Body

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))

from amqp_tools import (
    AMQP,
    Publisher,
    TcpProxy,
    close_connection,
    connection_pids,
    free_port,
    rabbitmq_available,
    rabbitmqctl,
    unique_queue,
    wait_until,
)
from broker_harness import BrokerHarness

from otpbroker.feeders.amqp import RabbitMqFeeder

NO_RABBITMQ = "no RabbitMQ on 127.0.0.1:5672"


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    for _ in range(2):
        h.add_modem(profile={"send_delay": 0.005})
    h.start()
    yield h
    h.stop()


@pytest.fixture
def rabbit():
    """(publisher, new_queue): queues made by new_queue are deleted afterwards."""
    if not rabbitmq_available():
        pytest.skip(NO_RABBITMQ)
    publisher = Publisher()
    made: list[str] = []

    def new_queue(**arguments) -> str:
        name = unique_queue()
        publisher.channel.queue_declare(name, durable=True, arguments=arguments or None)
        made.append(name)
        return name

    yield publisher, new_queue
    publisher.delete(made)
    publisher.close()


@pytest.fixture
def feeders(harness):
    """start(queue, port=5672, **settings) -> a started RabbitMqFeeder, stopped afterwards."""
    started: list[RabbitMqFeeder] = []

    def start(queue: str, port: int = AMQP[1], host: str = "127.0.0.1", **settings):
        feeder = RabbitMqFeeder(
            harness.broker.processor, feeder_settings(queue, port, host, **settings)
        )
        feeder.delays = (0.5, 1.0)  # reconnect quickly in tests
        started.append(feeder)
        feeder.start()
        return feeder

    yield start
    for feeder in started:
        feeder.stop()


@pytest.fixture
def proxy():
    if not rabbitmq_available():
        pytest.skip(NO_RABBITMQ)
    p = TcpProxy()
    yield p
    p.close()


def feeder_settings(queue: str, port: int = AMQP[1], host: str = "127.0.0.1", **over) -> dict:
    return {"host": host, "port": port, "tls": False, "username": "guest", "password": "guest",
            "queue": queue, "vhost": "/", "prefetch": 10, **over}  # fmt: skip


def delivered(h: BrokerHarness) -> list:
    return [d for sim in h.sims for d in sim.deliveries]


def sms(msisdn: str, text: str, message_id: object = None) -> dict:
    data = {"msisdn": msisdn, "message": text}
    if message_id is not None:
        data["id"] = message_id
    return {"command": "send-sms", "data": data}


def connected(feeder: RabbitMqFeeder, timeout: float = 10.0) -> None:
    wait_until(lambda: feeder.status.connected, timeout, "the feeder connected")


def settled(publisher: Publisher, queue: str, feeder: RabbitMqFeeder, received: int) -> None:
    """Wait until the feeder received ``received`` deliveries and the queue is empty."""
    wait_until(lambda: feeder.status.received >= received, 30, f"{received} received")
    wait_until(lambda: publisher.ready(queue) == 0, 30, "an empty queue")


# -- message shapes, blocking ---------------------------------------------------------------
def test_command_ws_and_legacy_bodies_are_sent_and_block_msisdn_works(
    harness, rabbit, feeders, caplog
):
    caplog.set_level(logging.DEBUG, logger="otpbroker")
    publisher, new_queue = rabbit
    queue = new_queue()
    feeder = feeders(queue)
    connected(feeder)
    publisher.publish(queue, sms("08126666666", "OTP Anda adalah 1111", 123456))
    publisher.publish(queue, {"data": [{"receiver": "08127777777", "message": "OTP Anda 2222"},
                                       {"receiver": "+628128888888", "message": "kode 3333"}]})  # fmt: skip
    publisher.publish(queue, {"command": "send-message", "channel": "sms",
                              "data": [sms("08121234567", "Kode OTP: 4444")]})  # fmt: skip
    expected = [("+628126666666", "OTP Anda adalah 1111"), ("+628127777777", "OTP Anda 2222"),
                ("+628128888888", "kode 3333"), ("+628121234567", "Kode OTP: 4444")]  # fmt: skip
    wait_until(lambda: len(delivered(harness)) >= 4, 15, "4 deliveries")
    assert Counter((d.to, d.text) for d in delivered(harness)) == Counter(expected)
    assert {d.modem for d in delivered(harness)} == {s.imei for s in harness.sims}  # round robin

    publisher.publish(queue, {"command": "block-msisdn", "data": {"msisdn": "08129999999"}})
    wait_until(lambda: harness.broker.blocklist.is_blocked("628129999999"), 10, "blocked")
    publisher.publish(queue, sms("08129999999", "OTP Anda 5555", "to-blocked"))
    settled(publisher, queue, feeder, received=5)
    wait_until(lambda: feeder.status.rejected == 1, 10, "the blocked send refused")
    publisher.publish(queue, {"command": "unblock-msisdn", "data": {"msisdn": "+628129999999"}})
    # messages are processed concurrently (up to prefetch), so wait for the unblock first
    wait_until(lambda: not harness.broker.blocklist.is_blocked("628129999999"), 10, "unblocked")
    publisher.publish(queue, sms("08129999999", "OTP Anda 6666", "after-unblock"))
    wait_until(lambda: len(delivered(harness)) >= 5, 15, "the send after unblocking")
    time.sleep(0.3)
    texts = [d.text for d in delivered(harness)]
    assert "OTP Anda 5555" not in texts and texts.count("OTP Anda 6666") == 1
    settled(publisher, queue, feeder, received=7)
    assert feeder.status.processed == 7 and feeder.status.rejected == 1
    for secret in ("1111", "2222", "3333", "4444", "5555", "6666"):
        assert secret not in caplog.text  # texts never reach the log


# -- malformed messages ---------------------------------------------------------------------
MALFORMED = [
    b"not json at all",
    b"[1, 2, 3]",
    b"\xff\xfe" * 100_000,
    b"[" * 50_000,
    json.dumps({"data": [{"foo": "bar"}]}).encode(),
    json.dumps({"hello": "world"}).encode(),
]
REFUSED = [  # parse, but a command is refused with a reply: acknowledged, not dead-lettered
    {"command": "send-sms"},
    {"command": "send-sms", "data": {"msisdn": "08121111111"}},
    {"command": "launch-rocket", "data": {}},
    sms("08121111111", "x" * 2_000_000, "huge"),
    sms("12", "OTP 0000", "bad-number"),
]


@pytest.mark.parametrize("dead_letter", [False, True], ids=["no-dlx", "dlx"])
def test_malformed_messages_never_stop_or_block_the_good_ones(
    harness, rabbit, feeders, dead_letter
):
    publisher, new_queue = rabbit
    dlq = new_queue()
    arguments = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq}
    queue = new_queue(**arguments) if dead_letter else new_queue()
    bad = MALFORMED + [json.dumps(b).encode() for b in REFUSED]
    good = [sms(f"0812555000{i:02d}", f"good message {i}", f"good-{i}") for i in range(11)]
    for i, body in enumerate(good):
        publisher.publish(queue, body)
        if i < len(bad):
            publisher.publish(queue, bad[i])
    feeder = feeders(queue)
    wait_until(lambda: len(delivered(harness)) >= len(good), 20, "every good message")
    settled(publisher, queue, feeder, received=len(good) + len(bad))
    assert sorted(d.text for d in delivered(harness)) == sorted(b["data"]["message"] for b in good)
    assert feeder.status.connected and feeder.status.reconnects == 0
    assert feeder.status.rejected == len(bad)
    dead = [body for _, body in publisher.get_all(dlq)]
    assert sorted(dead) == (sorted(MALFORMED) if dead_letter else [])


# -- acknowledged only after the outcome ------------------------------------------------------
def test_a_message_in_flight_when_the_connection_dies_is_redelivered_and_not_sent_twice(
    harness, rabbit, feeders, proxy
):
    publisher, new_queue = rabbit
    queue = new_queue()
    for sim in harness.sims:
        sim.profile.send_delay = 1.0
    feeder = feeders(queue, proxy.port)
    connected(feeder)
    publisher.publish(queue, sms("08126666666", "OTP Anda adalah 7777", "in-flight-1"))
    wait_until(lambda: feeder.status.received == 1, 10, "the message taken")
    time.sleep(0.2)
    assert delivered(harness) == []  # the modem is still busy with it
    assert proxy.drop() == 1  # the connection dies with the message unacknowledged
    # RabbitMQ hands it out again: proof that it had not been acknowledged
    wait_until(lambda: feeder.status.received == 2, 15, "the redelivery")
    wait_until(lambda: len(delivered(harness)) == 1, 10, "the SMS")
    settled(publisher, queue, feeder, received=2)
    time.sleep(1.5)
    assert [d.text for d in delivered(harness)] == ["OTP Anda adalah 7777"]
    status = feeder.status
    assert (status.processed, status.rejected) == (1, 1)  # the redelivery answered 1205
    assert status.connected and status.reconnects >= 1 and proxy.accepted == 2


def test_a_silently_dead_link_is_noticed_by_heartbeats_and_nothing_is_lost(
    harness, rabbit, feeders, proxy, caplog
):
    publisher, new_queue = rabbit
    queue = new_queue()
    feeder = feeders(queue, proxy.port)
    feeder.heartbeat = 1  # the product uses 30 s: a dead link is noticed after 35..70 s
    connected(feeder)
    proxy.drop()  # reconnect with the short heartbeat
    wait_until(lambda: proxy.accepted == 2 and feeder.status.connected, 10, "a reconnect")
    proxy.freeze()
    publisher.publish(queue, sms("08126666666", "OTP Anda 4545", "frozen-1"))
    wait_until(lambda: delivered(harness), 30, "the SMS over a new connection")
    settled(publisher, queue, feeder, received=1)
    assert [d.text for d in delivered(harness)] == ["OTP Anda 4545"]
    assert proxy.accepted == 3 and feeder.status.connected
    assert "AMQPHeartbeatTimeout" in caplog.text


# -- replies ----------------------------------------------------------------------------------
def test_reply_to_gets_each_outcome_with_the_correlation_id(harness, rabbit, feeders):
    publisher, new_queue = rabbit
    queue, replies = new_queue(), new_queue()
    harness.broker.blocklist.block("628120000000", "test")
    feeder = feeders(queue)
    publisher.publish(queue, sms("08126666666", "OTP Anda 8888", "r-1"),
                      reply_to=replies, correlation_id="corr-1")  # fmt: skip
    publisher.publish(queue, b"{broken", reply_to=replies, correlation_id="corr-2")
    publisher.publish(queue, {"data": [{"receiver": "08120000000", "message": "OTP 9999", "id": 7},
                                       {"receiver": "08127777777", "message": "OTP 1010"}]},
                      reply_to=replies, correlation_id="corr-3")  # fmt: skip
    publisher.publish(queue, sms("08126666666", "no reply wanted"))
    got: list = []

    def four_replies() -> bool:
        got.extend(publisher.get_all(replies))
        return len(got) >= 4

    wait_until(four_replies, 15, "4 replies")
    settled(publisher, queue, feeder, received=4)
    by_id: dict[str, list[dict]] = {}
    for properties, body in got:
        assert properties.content_type == "application/json"
        by_id.setdefault(properties.correlation_id, []).append(json.loads(body))
    [sent] = by_id["corr-1"]
    assert (sent["command"], sent["response_code"], sent["data"]["id"]) == (
        "send-sms",
        "0000",
        "r-1",
    )
    assert [r["response_code"] for r in by_id["corr-2"]] == ["1207"]
    assert [r["response_code"] for r in by_id["corr-3"]] == ["1201", "0000"]
    assert not any(secret in str(by_id) for secret in ("8888", "9999", "1010"))
    time.sleep(0.2)
    assert publisher.get_all(replies) == []  # nothing for the message without reply_to


# -- THE fault tests ------------------------------------------------------------------------
STREAM = 500


def run_stream_with_a_cut(harness, rabbit, feeder, queue, cut) -> None:
    publisher, _ = rabbit
    for sim in harness.sims:
        sim.profile.send_delay = 0.01  # about 200 SMS/s: the cut lands mid-stream
    connected(feeder)
    texts = [f"OTP stream {i:04d}" for i in range(STREAM)]
    for i, text in enumerate(texts):
        publisher.publish(queue, sms(f"0812{3000000 + i:07d}", text, f"stream-{i}"))
    wait_until(lambda: len(delivered(harness)) >= STREAM // 3, 60, "a third of the stream")
    # Slow modems while the cut is made (rabbitmqctl may take seconds on a busy machine):
    # the prefetch window is then full of unacknowledged messages when the connection ends.
    for sim in harness.sims:
        sim.profile.send_delay = 0.5
    cut()
    for sim in harness.sims:
        sim.profile.send_delay = 0.01
    wait_until(lambda: len(delivered(harness)) >= STREAM, 90, f"{STREAM} deliveries")
    settled(publisher, queue, feeder, received=STREAM)
    time.sleep(1.0)  # let late duplicates (if any) show up
    assert Counter(d.text for d in delivered(harness)) == Counter(texts)  # each exactly once
    status = feeder.status
    assert status.received > STREAM, "the cut should have forced redeliveries"
    assert status.processed == STREAM and status.rejected == status.received - STREAM
    assert status.reconnects >= 1 and status.connected, status


def test_stream_survives_a_dropped_tcp_connection_exactly_once(harness, rabbit, feeders, proxy):
    _, new_queue = rabbit
    queue = new_queue()
    feeder = feeders(queue, proxy.port)
    run_stream_with_a_cut(harness, rabbit, feeder, queue, lambda: proxy.drop())
    assert proxy.accepted >= 2


@pytest.mark.skipif(rabbitmqctl() is None, reason="rabbitmqctl is not on PATH")
def test_stream_survives_rabbitmq_closing_the_connection_exactly_once(
    harness, rabbit, feeders, caplog
):
    _, new_queue = rabbit
    queue = new_queue()
    feeder = feeders(queue)
    connected(feeder)
    [pid] = connection_pids(feeder.connection_name)  # looked up first: the cut is then quick

    run_stream_with_a_cut(harness, rabbit, feeder, queue, lambda: close_connection(pid))
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("otpbroker")
    ]
    assert errors == [
        "rabbitmq feeder: ConnectionClosedByBroker: (320, 'CONNECTION_FORCED - test')"
    ]


# -- life cycle -------------------------------------------------------------------------------
def test_stop_is_prompt_and_acknowledges_the_message_in_flight_then_reconfigure(
    harness, rabbit, feeders
):
    publisher, new_queue = rabbit
    first, second = new_queue(), new_queue()
    feeder = feeders(first)
    connected(feeder)
    started = time.monotonic()
    feeder.stop()
    assert time.monotonic() - started < 2.0 and feeder.status.state == "stopped"

    for sim in harness.sims:
        sim.profile.send_delay = 1.0
    feeder = feeders(first)
    connected(feeder)
    publisher.publish(first, sms("08126666666", "OTP Anda 1212", "stop-1"))
    wait_until(lambda: feeder.status.received == 1, 10, "the message taken")
    started = time.monotonic()
    feeder.stop()  # waits for the SMS in progress and acknowledges it
    assert time.monotonic() - started < 4.0
    assert [d.text for d in delivered(harness)] == ["OTP Anda 1212"]
    assert publisher.ready(first) == 0  # acknowledged, not requeued

    for sim in harness.sims:
        sim.profile.send_delay = 0.005
    publisher.publish(first, sms("08126666666", "left in the old queue", "old-1"))
    feeder = feeders(second, prefetch=1)  # reconfigured: another queue
    publisher.publish(second, sms("08126666666", "OTP Anda 3434", "new-1"))
    wait_until(lambda: len(delivered(harness)) == 2, 10, "the message of the new queue")
    assert delivered(harness)[-1].text == "OTP Anda 3434"
    assert publisher.ready(first) == 1  # the disabled configuration consumes nothing


def test_unreachable_server_shows_the_error_and_stop_stays_prompt(harness, feeders):
    feeder = feeders("sms", free_port())
    wait_until(lambda: feeder.status.last_error, 10, "an error on a closed port")
    assert feeder.status.state in ("error", "connecting") and not feeder.status.connected
    assert "Connection" in feeder.status.last_error
    wait_until(lambda: feeder.status.reconnects >= 2, 10, "retries")
    started = time.monotonic()
    feeder.stop()
    assert time.monotonic() - started < 2.0
    assert feeder.status.state == "stopped" and feeder.status.last_error


def test_a_silent_server_times_out_and_stop_stays_prompt(harness):
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never speaks AMQP
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    feeder = RabbitMqFeeder(harness.broker.processor,
                            feeder_settings("sms", listener.getsockname()[1]))  # fmt: skip
    feeder.stack_timeout = feeder.socket_timeout = 1.0
    feeder.start()
    try:
        wait_until(lambda: feeder.status.last_error, 10, "a handshake time-out")
        assert not feeder.status.connected
    finally:
        started = time.monotonic()
        feeder.stop()
        assert time.monotonic() - started < 3.0
        listener.close()
        for sock in accepted:
            sock.close()


# -- no server needed ----------------------------------------------------------------------------
def test_parameters_follow_the_settings():
    plain = RabbitMqFeeder(None, feeder_settings("otp", 5673, "mq.example", vhost="dev"))
    params = plain.parameters()
    assert (params.host, params.port, params.virtual_host) == ("mq.example", 5673, "dev")
    assert params.ssl_options is None and params.connection_attempts == 1
    assert params.heartbeat == 30 and params.blocked_connection_timeout == 60
    assert params.credentials.username == "guest"
    assert params.client_properties["connection_name"] == plain.connection_name
    settings = {**feeder_settings("otp", 0, "mq.example"), "tls": True, "username": ""}
    secure = RabbitMqFeeder(None, settings).parameters()
    assert secure.port == 5671 and secure.ssl_options.server_hostname == "mq.example"
    assert secure.ssl_options.context.verify_mode is ssl.CERT_REQUIRED


def test_pika_never_logs_a_message_body(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("pika.channel").error("Unexpected frame: %r", Body(1, b"OTP Anda 246810"))
    assert "<body withheld>" in caplog.text and "246810" not in caplog.text
