"""The MQTT feeder end to end: the real Mosquitto on 127.0.0.1:1883 (scripts/ensure-services.sh),
a real Broker with emulated modems on ptys, a paho publisher, and -- to cut the feeder's TCP
connection or keep it away -- a small loopback TCP proxy in front of Mosquitto.

Every test uses its own topic and client id, and removes the client's persistent session
afterwards (a clean-session connect with the same id).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.domain.delivery import NO_TERMS
from otpbroker.feeders.base import forget_redeliveries
from otpbroker.feeders.mqtt import MqttFeeder
from otpbroker.feeders.retry import RetryPolicy
from otpbroker.services.replies import Code, Reply

MOSQUITTO = ("127.0.0.1", 1883)


class TcpProxy:
    """Loopback TCP proxy to Mosquitto: ``cut()`` kills every connection, ``open`` gates new
    ones (closed: accepted and closed at once, like a host that is down)."""

    def __init__(self, target=MOSQUITTO):
        self.target = target
        self.open = threading.Event()
        self.open.set()
        self.connections = 0
        self._lock = threading.Lock()
        self._pairs = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="mqtt-proxy", daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def stop(self):
        self._listener.close()
        self.cut()


class RefusingBroker:
    """Answers every CONNECT with CONNACK return code ``code`` (4 bad user name or password,
    5 not authorised, 3 server unavailable; to an MQTT 5 client the same as its reason code
    134, 135, 136, or a reason code given as such, e.g. 132 unsupported protocol version)
    and then waits for the client to hang up."""

    V5_REASONS = {4: 134, 5: 135, 3: 136}

    def __init__(self, code):
        self.code = code
        self.connects = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn, contextlib.suppress(OSError):
            connect = conn.recv(4096)
            if connect[:1] == b"\x10":  # CONNECT: type, length (1 byte here), "MQTT", level
                self.connects += 1
                if connect[8:9] == b"\x05":
                    reason = self.V5_REASONS.get(self.code, self.code)
                    conn.sendall(bytes([0x20, 3, 0, reason, 0]))  # no properties
                else:
                    conn.sendall(bytes([0x20, 2, 0, self.code]))
            while conn.recv(4096):
                pass

    def stop(self):
        self._listener.close()


def start_harness(tmp_path, modems=({"default_modem": True}, {"default_modem": True})):
    h = BrokerHarness(tmp_path / "data")
    for fields in modems:
        h.add_modem(profile={"send_delay": 0.005}, **fields)
    return h.start()


@pytest.fixture
def harness(tmp_path):
    h = start_harness(tmp_path)
    yield h
    h.stop()


@pytest.fixture
def names():
    """A unique topic and client id; the client's persistent session is removed afterwards."""
    tag = uuid.uuid4().hex[:12]
    yield {"topic": f"otp-test/{tag}/sms", "client_id": f"otp-test-{tag}"}
    cleaner = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otp-test-{tag}",
                          clean_session=True)  # fmt: skip
    with contextlib.suppress(OSError):
        cleaner.connect(*MOSQUITTO)
        cleaner.loop(0.5)
        cleaner.disconnect()


@pytest.fixture
def proxy():
    p = TcpProxy()
    yield p
    p.stop()


class Publisher:
    """A QoS 1 publisher connected straight to Mosquitto."""

    def __init__(self, topic):
        self.topic = topic
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otp-pub-{uuid.uuid4()}")
        self.client.max_inflight_messages_set(100)
        self.client.connect(*MOSQUITTO)
        self.client.loop_start()
        self.infos = []
        wait_for(self.client.is_connected, 5, "publisher connected")

    def publish(self, payload, retain=False):
        if not isinstance(payload, str | bytes):
            payload = json.dumps(payload)
        self.infos.append(self.client.publish(self.topic, payload, qos=1, retain=retain))

    def flush(self):
        for info in self.infos:
            info.wait_for_publish(10)
            assert info.is_published()

    def close(self):
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(names):
    p = Publisher(names["topic"])
    yield p
    p.close()


@pytest.fixture
def make_feeder(harness, names):
    made = []

    def factory(port=MOSQUITTO[1], sink=None, **attrs):
        settings = {"host": "127.0.0.1", "port": port, "tls": False, "username": "",
                    "password": "", **names}  # fmt: skip
        settings.update(attrs.pop("settings", {}))
        feeder = MqttFeeder(sink or harness.broker.processor, settings)
        feeder.delays = (0.05, 0.1, 0.2)
        for name, value in attrs.items():
            setattr(feeder, name, value)
        made.append(feeder)
        feeder.start()
        return feeder

    yield factory
    for feeder in made:
        started = time.monotonic()
        feeder.stop()
        assert time.monotonic() - started < 3, "stop() took too long"


def sms(msisdn, text, message_id=None):
    data = {"msisdn": msisdn, "message": text}
    if message_id is not None:
        data["id"] = message_id
    return {"command": "send-sms", "data": data}


def delivered(harness):
    return Counter((d.to, d.text) for sim in harness.sims for d in sim.deliveries)


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def wait_deliveries(harness, count, timeout=30.0):
    wait_for(lambda: sum(delivered(harness).values()) >= count, timeout, f"{count} deliveries")
    time.sleep(0.3)  # anything more would be a duplicate
    return delivered(harness)


def connected(feeder):
    wait_for(lambda: feeder.status.connected, 10, "feeder connected")
    return feeder


def assert_nothing_left_on_the_broker(make_feeder, harness, before):
    """A new consumer on the same session gets nothing: every message was acknowledged."""
    probe = connected(make_feeder())
    time.sleep(0.5)
    assert probe.status.received == 0
    assert delivered(harness) == before


def test_every_shape_arrives_with_exact_texts_and_no_text_is_logged(
    harness, make_feeder, publisher, caplog
):
    caplog.set_level(logging.DEBUG)
    feeder = connected(make_feeder())
    texts = ["OTP Anda adalah 4821", "Kode: 7710 ✓ jangan berikan", "legacy 5150", "single 6262"]
    publisher.publish(
        {
            "command": "send-message",
            "channel": "sms",
            "data": [
                sms("08126666666", texts[0], 77),
                {"receiver": "08127777777", "message": texts[1]},
            ],
        }
    )
    publisher.publish({"data": [{"receiver": "+628128888888", "message": texts[2]}]})
    publisher.publish(sms("628129999999", texts[3], "single-1"))
    got = wait_deliveries(harness, 4)
    assert got == Counter(
        {
            ("+628126666666", texts[0]): 1,
            ("+628127777777", texts[1]): 1,
            ("+628128888888", texts[2]): 1,
            ("+628129999999", texts[3]): 1,
        }
    )
    wait_for(lambda: feeder.status.processed == 4, what="processed")
    assert (feeder.status.received, feeder.status.rejected) == (3, 0)
    for secret in ("4821", "7710", "5150", "6262"):
        assert secret not in caplog.text
    feeder.stop()
    assert_nothing_left_on_the_broker(make_feeder, harness, got)


def test_block_msisdn_via_the_feeder_then_a_send_to_it_is_refused(harness, make_feeder, publisher):
    feeder = connected(make_feeder())
    publisher.publish({"command": "block-msisdn", "data": {"msisdn": "08125555555"}})
    wait_for(lambda: harness.broker.blocklist.is_blocked("628125555555"), what="blocked")
    publisher.publish(sms("08125555555", "OTP 1111 to a blocked number", "blk-1"))
    publisher.publish({"data": [{"receiver": "08125555555", "message": "OTP 2222 legacy"}]})
    publisher.publish(sms("08124444444", "OTP 3333 to a free number", "free-1"))
    got = wait_deliveries(harness, 1)
    assert got == Counter({("+628124444444", "OTP 3333 to a free number"): 1})
    wait_for(lambda: feeder.status.received == 4, what="received")
    assert (feeder.status.processed, feeder.status.rejected) == (2, 2)


def test_malformed_messages_interleaved_never_stop_the_good_ones_and_all_are_acked(
    harness, make_feeder, publisher
):
    feeder = connected(make_feeder())
    bad = [
        b"\xff\xfe\x00 not utf-8",
        b"",
        "not json",
        "[" * 100_000,
        "null",
        "[]",
        {"command": 5},
        {"data": "not a list"},
        {"command": "send-message", "data": [42]},
        {"data": [{"receiver": "08126666666"}]},
        {"command": "send-sms", "data": {"msisdn": "x", "message": "OTP 0000"}},
        {"command": "no-such-command", "data": {}},
        {"data": [{"receiver": "08126666666", "message": "OTP 1"} for _ in range(1001)]},
    ]
    good = [f"good {index}" for index in range(len(bad))]
    for index, payload in enumerate(bad):
        publisher.publish(sms("08126666666", good[index], f"good-{index}"))
        publisher.publish(payload)
    got = wait_deliveries(harness, len(good))
    assert got == Counter({("+628126666666", text): 1 for text in good})
    wait_for(lambda: feeder.status.received == 2 * len(bad), what="all received")
    status = feeder.status
    assert status.connected and status.reconnects == 0
    assert (status.processed, status.rejected) == (len(good), len(bad))
    feeder.stop()
    assert_nothing_left_on_the_broker(make_feeder, harness, got)


@pytest.mark.parametrize(
    ("protocol", "code", "expected"),
    [
        (protocol, *case)
        for protocol in ("5", "3.1.1")
        for case in (
            (4, "credentials rejected for user 'otp' by the broker (Bad user name or password)"),
            (5, "credentials rejected for user 'otp' by the broker (Not authorized)"),
            (3, "connection refused by the broker (Server unavailable)"),
        )
    ]
    + [("5", 132, "(Unsupported protocol version); for a broker without MQTT 5 set")],
)
def test_a_refused_connect_gives_a_clear_error_and_retries_without_crashing(
    make_feeder, protocol, code, expected
):
    broker = RefusingBroker(code)
    try:
        settings = {"username": "otp", "password": "wrong", "protocol": protocol}
        feeder = make_feeder(broker.port, settings=settings)
        wait_for(lambda: feeder.status.reconnects >= 2 and broker.connects >= 2, what="retries")
        status = feeder.status
        assert expected in status.last_error and "wrong" not in status.last_error
        assert status.state in ("error", "connecting") and feeder._thread.is_alive()
    finally:
        broker.stop()


def stream_item(index):
    """Half the messages with an id, half without (the feeder derives one)."""
    if index % 2:
        return sms("08126666666", f"stream {index}", f"s-{index}")
    return {"data": [{"receiver": "08127777777", "message": f"stream {index}"}]}


def assert_each_once(harness, total):
    got = wait_deliveries(harness, total, timeout=60)
    texts = Counter(text for (_, text), count in got.items() for _ in range(count))
    assert texts == Counter(f"stream {index}" for index in range(total))
    return got


def test_cut_connection_mid_stream_redelivers_unacked_and_queued_messages_exactly_once(
    harness, make_feeder, publisher, proxy
):
    feeder = connected(make_feeder(proxy.port))
    total, cut, errors = 600, threading.Event(), []

    def cut_midway():
        wait_for(lambda: sum(delivered(harness).values()) >= 150, what="150 delivered")
        proxy.open.clear()  # the feeder cannot come back yet
        proxy.cut()
        wait_for(lambda: feeder.status.last_error, 5, "the error in the status")
        errors.append(feeder.status.last_error)
        cut.set()

    cutter = threading.Thread(target=cut_midway)
    cutter.start()
    for index in range(total):
        if index == 300:
            assert cut.wait(30)  # 300..449 are published while the feeder is away
        if index == 450:
            publisher.flush()
            assert not feeder.status.connected
            proxy.open.set()
        publisher.publish(stream_item(index))
        time.sleep(0.001)
    cutter.join()
    publisher.flush()
    got = assert_each_once(harness, total)
    status = feeder.status
    assert status.connected and status.reconnects >= 1 and proxy.connections >= 2
    assert "connection to the broker lost (The connection was lost.)" in errors[0], errors
    assert status.processed == total
    feeder.stop()
    assert_nothing_left_on_the_broker(make_feeder, harness, got)


def test_restarting_the_feeder_mid_stream_loses_nothing_and_sends_nothing_twice(
    harness, make_feeder, publisher
):
    first = connected(make_feeder())
    total = 500
    for index in range(total):
        if index == 250:
            wait_for(lambda: sum(delivered(harness).values()) >= 100, what="100 delivered")
            started = time.monotonic()
            first.stop()  # finishes and acknowledges the messages in progress
            assert time.monotonic() - started < 3
        if index == 350:
            connected(make_feeder())  # a new instance: new derived-id key, same session
        publisher.publish(stream_item(index))
    publisher.flush()
    assert_each_once(harness, total)


class Stalling:
    """A sink that stops answering after ``after`` commands, like a device that loses power
    in the middle of sending: what it holds then was never sent and never acknowledged."""

    def __init__(self, sink, after):
        self.sink, self.after, self.calls = sink, after, 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def handle(self, payload, *, source, user=None, terms=NO_TERMS):
        with self._lock:
            self.calls += 1
            stall = self.calls > self.after
        if stall:
            self.release.wait()
            return Reply("send-sms", Code.INTERNAL, "stalled")
        return self.sink.handle(payload, source=source, user=user, terms=terms)

    def order_key(self, payload):
        return self.sink.order_key(payload)


def test_messages_held_by_a_dead_consumer_are_redelivered_to_the_next_one(
    harness, make_feeder, publisher, proxy
):
    stalling = Stalling(harness.broker.processor, after=100)
    dead = connected(make_feeder(proxy.port, sink=stalling))
    total = 300
    for index in range(total):
        publisher.publish(stream_item(index))
    publisher.flush()
    try:
        # the stream alternates two numbers: one stalled command holds each number's queue,
        # and the messages behind them fill every worker slot
        wait_for(lambda: stalling.calls >= 102 and dead._busy == dead.concurrency
                 and dead._acks.empty(), what="the consumer stalled")  # fmt: skip
        # The acknowledgements of the first 100 are queued to paho by now; let them cross the
        # proxy before the cut (one still in flight would be redelivered and, its memory wiped
        # below, sent again: a power loss at that instant would do the same).
        time.sleep(0.5)
        proxy.open.clear()  # it never comes back
        proxy.cut()
        forget_redeliveries()  # a power loss wipes the memory of the dead consumer too
        connected(make_feeder())  # the same session, straight to Mosquitto
        assert_each_once(harness, total)
    finally:
        stalling.release.set()
    dead.stop()  # its late completions belong to a dead connection: never acknowledged
    time.sleep(0.3)
    assert max(delivered(harness).values()) == 1


class Counting:
    """A sink that records the id of every command it runs, then runs it."""

    def __init__(self, sink):
        self.sink, self.ids = sink, []

    def handle(self, payload, *, source, user=None, terms=NO_TERMS):
        self.ids.append(payload["data"].get("id"))
        return self.sink.handle(payload, source=source, user=user, terms=terms)

    def order_key(self, payload):
        return self.sink.order_key(payload)


def test_no_modem_available_is_held_in_place_until_a_modem_is_back_or_left_at_stop(tmp_path, names):
    harness = start_harness(tmp_path, modems=({"active": False},))
    publisher = Publisher(names["topic"])
    settings = {"host": "127.0.0.1", "port": MOSQUITTO[1], "tls": False, **names}
    feeders = []
    sink = Counting(harness.broker.processor)

    def feeder():
        made = MqttFeeder(sink, settings)
        made.retry_policy = RetryPolicy(delays=(0.1,), limit=None)
        feeders.append(made)
        made.start()
        return connected(made)

    def modem(active):
        harness.broker.store.update("modems", harness.modem_ids[0], {"active": active})
        if active:
            harness.wait_modems()
        else:
            wait_for(lambda: not harness.broker.pool.statuses(), what="no modem")

    try:
        first = feeder()
        publisher.publish(sms("08126666666", "waits for the modem", "held-1"))
        publisher.publish(sms("+628126666666", "behind it, same number", "behind-1"))
        wait_for(lambda: sink.ids.count("held-1") >= 5, what="tries in place")
        assert "behind-1" not in sink.ids  # the same number's next message waits behind it
        modem(True)
        got = harness.sims[0].wait_for_deliveries(2, 10)
        assert [d.text for d in got] == ["waits for the modem", "behind it, same number"]
        modem(False)
        publisher.publish(sms("08127777777", "left with the broker at stop", "left-1"))
        wait_for(lambda: sink.ids.count("left-1") >= 2, what="tries of the last one")
        first.stop()
        modem(True)
        feeder()  # the same session: only the message held at stop comes back
        wait_for(lambda: len(harness.sims[0].deliveries) == 3, what="the message left")
        time.sleep(0.5)
        assert [d.text for d in harness.sims[0].deliveries][2:] == ["left with the broker at stop"]
        assert sink.ids.count("held-1") >= 5 and sink.ids.count("behind-1") == 1
    finally:
        for made in feeders:
            made.stop()
        publisher.close()
        harness.stop()


def test_a_retained_message_replayed_on_subscribe_is_skipped(harness, make_feeder, publisher):
    publisher.publish(sms("08126666666", "stale retained OTP", "old-1"), retain=True)
    publisher.flush()
    try:
        feeder = connected(make_feeder())
        wait_for(lambda: feeder.status.received == 1, what="the retained message")
        publisher.publish(sms("08126666666", "fresh OTP", "new-1"))
        assert wait_deliveries(harness, 1) == Counter({("+628126666666", "fresh OTP"): 1})
        assert feeder.status.rejected == 1
    finally:
        publisher.publish(b"", retain=True)  # clear the retained message


def test_stop_returns_promptly_in_every_state(harness, make_feeder, publisher, proxy):
    def stop_quickly(feeder):
        started = time.monotonic()
        feeder.stop()
        assert time.monotonic() - started < 1.5
        assert feeder.status.state == "stopped" and not feeder._thread.is_alive()

    stop_quickly(connected(make_feeder()))

    refusing = RefusingBroker(5)
    backing_off = make_feeder(refusing.port, delays=(30.0,))
    wait_for(lambda: backing_off.status.reconnects >= 1, what="backing off")
    stop_quickly(backing_off)
    refusing.stop()

    mute = socket.create_server(("127.0.0.1", 0))  # TCP accepted, no CONNACK ever
    try:
        waiting = make_feeder(mute.getsockname()[1])
        wait_for(lambda: waiting.status.state == "connecting", what="connecting")
        time.sleep(0.2)
        stop_quickly(waiting)
    finally:
        mute.close()

    proxy.open.clear()
    away = make_feeder(proxy.port, delays=(30.0,))
    wait_for(lambda: away.status.reconnects >= 1, what="lost at once")
    stop_quickly(away)
    proxy.open.set()

    busy = connected(make_feeder())
    for index in range(200):
        publisher.publish(sms("08126666666", f"busy {index}", f"busy-{index}"))
    wait_for(lambda: busy.status.processed >= 10, what="stream in progress")
    stop_quickly(busy)
    publisher.flush()
    # what the stopped feeder left is taken by the next one, and nothing is sent twice
    connected(make_feeder())
    wait_deliveries(harness, 200)
    assert max(delivered(harness).values()) == 1
