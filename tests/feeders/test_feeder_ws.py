"""The WSMessageBroker feeder end to end: a protocol-exact test server (ws_broker.py), a real
Broker with emulated modems on ptys, and a sender client like the original's WSClient.

By protocol design the server keeps and acknowledges nothing: frames sent while the feeder
is not registered are lost (see the feeder's module docstring). The drop test therefore
asserts on what the server actually handed to the feeder: each of those arrives exactly
once.
"""

from __future__ import annotations

import base64
import json
import logging
import select
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import websocket
from ws_broker import SilentServer, WsBroker

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.feeders.ws import WsBrokerFeeder

USERS = {"otp": "pw-otp", "app": "pw-app"}
CHANNEL = "sms"


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    for _ in range(2):
        h.add_modem(profile={"send_delay": 0.005}, default_modem=True)
    h.start()
    yield h
    h.stop()


@pytest.fixture
def server():
    s = WsBroker(USERS).start()
    yield s
    s.stop()


@pytest.fixture
def make_feeder(harness):
    made = []

    def factory(url, username="otp", password="pw-otp", channel=CHANNEL, **attrs):
        settings = {"url": url, "username": username, "password": password, "channel": channel}
        feeder = WsBrokerFeeder(harness.broker.processor, settings)
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
        assert not feeder._thread.is_alive()


class Sender:
    """A sending client (like the original's WSClient); reconnects after a dropped connection."""

    def __init__(self, url, user="app", password="pw-app"):
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.url, self.header = url, [f"Authorization: Basic {token}"]
        self.ws = None

    def _connect(self):
        self.ws = websocket.create_connection(self.url, header=self.header)
        first = json.loads(self.ws.recv())
        assert first["response_code"] == "00", first

    def send(self, frame):
        """Send one frame; False when the connection broke (the frame may be lost)."""
        try:
            if self.ws is not None and select.select([self.ws.sock], [], [], 0)[0]:
                self.close()  # the server never writes to a sender: this is its FIN
            if self.ws is None:
                self._connect()
            self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            return True
        except (OSError, websocket.WebSocketException):
            self.close()
            return False

    def close(self):
        if self.ws is not None:
            self.ws.shutdown()
            self.ws = None


def send_message(items, channel=CHANNEL):
    return {"command": "send-message", "channel": channel, "data": items}


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
    time.sleep(0.2)  # anything more would be a duplicate
    return delivered(harness)


def test_both_item_shapes_arrive_with_exact_texts_and_no_text_is_logged(
    harness, server, make_feeder, caplog
):
    caplog.set_level(logging.DEBUG)
    feeder = make_feeder(server.url)
    server.wait_receivers(CHANNEL)
    assert feeder.status.connected and feeder.status.last_error is None
    sender = Sender(server.url)
    texts = ["OTP Anda adalah 4821", "Kode verifikasi: 7710 — jangan berikan ke siapa pun ✓"]
    frame = send_message(
        [sms("08126666666", texts[0], 1001), {"receiver": "+628127777777", "message": texts[1]}]
    )
    assert sender.send(frame)
    sender.close()
    got = wait_deliveries(harness, 2)
    assert got == Counter({("+628126666666", texts[0]): 1, ("+628127777777", texts[1]): 1})
    status = feeder.status
    assert (status.received, status.processed, status.rejected) == (1, 2, 0)
    for text in texts:
        assert text not in caplog.text
    assert "4821" not in caplog.text and "7710" not in caplog.text


def test_block_msisdn_via_the_feeder_then_a_send_to_it_is_refused(harness, server, make_feeder):
    feeder = make_feeder(server.url)
    server.wait_receivers(CHANNEL)
    frame = send_message(
        [
            {"command": "block-msisdn", "data": {"msisdn": "08125555555"}},
            sms("08125555555", "OTP 1111 to a blocked number"),
            {"receiver": "08125555555", "message": "OTP 2222 legacy to a blocked number"},
            sms("08124444444", "OTP 3333 to a free number"),
        ]
    )
    assert Sender(server.url).send(frame)
    got = wait_deliveries(harness, 1)
    assert got == Counter({("+628124444444", "OTP 3333 to a free number"): 1})
    assert harness.broker.blocklist.is_blocked("628125555555")
    wait_for(lambda: feeder.status.processed == 2, what="processed")
    assert feeder.status.rejected == 2


def test_malformed_frames_interleaved_with_good_ones_never_stop_the_good_ones(
    harness, server, make_feeder
):
    feeder = make_feeder(server.url)
    server.wait_receivers(CHANNEL)
    sender = Sender(server.url)
    # what a sender can get forwarded: send-message frames with unusable contents
    forwarded_bad = [
        {"command": "send-message", "channel": CHANNEL, "data": "not a list"},
        send_message([42]),
        send_message([{"neither": "command nor receiver"}]),
        send_message([{"command": "send-sms", "data": "not an object"}]),
        send_message([{"command": "no-such-command", "data": {}}]),
        send_message([sms("not-a-number", "OTP 0000")]),
        send_message([sms("08126666666", "")]),
        send_message([sms("08126666666", "x" * 100_000)]),
        send_message([{"receiver": "08126666666"}]),
        send_message([sms("08126666666", "OTP 1") for _ in range(1001)]),
    ]
    # what a misbehaving server could push: not JSON, not UTF-8, absurd nesting, empty
    pushed_bad = [b"\xff\xfe\x00garbage", "not json at all", "[" * 100_000, "", "[]", "null"]
    good = []
    for index in range(max(len(forwarded_bad), len(pushed_bad))):
        text = f"good message {index}"
        good.append(text)
        assert sender.send(send_message([sms("08126666666", text, f"good-{index}")]))
        if index < len(forwarded_bad):
            assert sender.send(forwarded_bad[index])
        if index < len(pushed_bad):
            server.push(CHANNEL, pushed_bad[index])
    sender.close()
    got = wait_deliveries(harness, len(good))
    assert got == Counter({("+628126666666", text): 1 for text in good})
    wait_for(lambda: feeder.status.received == len(good) + 16, what="all frames received")
    status = feeder.status
    assert status.connected and status.reconnects == 0
    assert status.processed == len(good)
    assert status.rejected == len(forwarded_bad) + len(pushed_bad)  # dropped or refused


def test_wrong_credentials_give_a_clear_error_and_retry_without_crashing(server, make_feeder):
    feeder = make_feeder(server.url, password="wrong", delays=(0.2,))
    wait_for(lambda: feeder.status.reconnects >= 3, what="retries")
    status = feeder.status
    assert status.state in ("error", "connecting")
    assert "credentials rejected" in status.last_error and "'otp'" in status.last_error
    assert "wrong" not in status.last_error
    assert server.receivers(CHANNEL) == []
    assert feeder._thread.is_alive()
    wait_for(lambda: not server._peers, 5, "the rejected connection closed by the feeder")


def forwarding_done(server) -> bool:
    """True when the server forwarded nothing more for half a second (the last frames sent
    may still be on their way through it when the sender closes)."""
    before = len(server.forwarded)
    time.sleep(0.5)
    return len(server.forwarded) == before


def test_server_drop_in_a_stream_of_600_frames_delivers_each_forwarded_frame_once(
    harness, server, make_feeder
):
    feeder = make_feeder(server.url)
    [first] = server.wait_receivers(CHANNEL)
    sender = Sender(server.url)
    total, dropped, errors = 600, threading.Event(), []

    def drop_midway():
        wait_for(lambda: len(server.forwarded) >= 200, what="200 forwarded")
        server.drop_all()
        dropped.set()
        deadline = time.monotonic() + 10
        while not errors and time.monotonic() < deadline:  # the error shows until reconnected
            if feeder.status.last_error:
                errors.append(feeder.status.last_error)
            time.sleep(0.001)

    dropper = threading.Thread(target=drop_midway)
    dropper.start()
    for index in range(total):
        # half with an id, half without (the feeder derives one)
        item = (
            sms("08126666666", f"stream {index}", f"s-{index}")
            if index % 2
            else {"receiver": "08127777777", "message": f"stream {index}"}
        )
        sender.send(send_message([item]))  # reconnects after the drop
        time.sleep(0.002)
    sender.close()
    dropper.join()
    assert dropped.is_set()
    wait_for(lambda: feeder.status.connected, what="reconnected")
    wait_for(lambda: forwarding_done(server), what="the server done forwarding")
    handed = Counter(text_of(frame) for _, frame in server.forwarded)
    receivers = {number for number, _ in server.forwarded}
    assert first in receivers and len(receivers) >= 2, receivers
    assert max(handed.values()) == 1  # the server itself forwarded each frame once
    got = wait_deliveries(harness, sum(handed.values()), timeout=60)
    texts = Counter(text for (_, text), count in got.items() for _ in range(count))
    assert texts == handed, "each frame handed to the feeder is sent exactly once"
    # the 200 before the drop, and frames sent well after it (how many were lost while the
    # feeder was away and unregistered depends on how busy the machine is)
    assert len(handed) >= 200 and any(int(t.split()[1]) > 400 for t in handed)
    assert len(handed) + server.unrouted <= total  # the rest was lost while unregistered
    assert feeder.status.reconnects >= 1
    assert errors and "Connection to remote host was lost" in errors[0], errors


def test_reconnect_after_an_uplink_switch_registers_anew_at_once(harness, server, make_feeder):
    feeder = make_feeder(server.url)
    [first] = server.wait_receivers(CHANNEL)
    sender = Sender(server.url)
    assert sender.send(send_message([sms("08126666666", "before the switch", "sw-1")]))
    wait_deliveries(harness, 1)
    feeder.delays = (3600.0,)  # only reconnect() can bring it back within the waits here
    feeder.reconnect()
    wait_for(lambda: feeder.status.connected and server.receivers(CHANNEL) not in ([], [first]),
             10, "a new registration")  # fmt: skip
    assert first not in server.receivers(CHANNEL)
    assert sender.send(send_message([sms("08126666666", "after the switch", "sw-2")]))
    assert wait_deliveries(harness, 2) == Counter({("+628126666666", "before the switch"): 1,
                                                   ("+628126666666", "after the switch"): 1})  # fmt: skip
    status = feeder.status
    assert status.reconnects == 1 and status.last_error is None


def test_a_dead_connection_is_detected_by_websocket_pings(make_feeder):
    silent = SilentServer().start()
    try:
        feeder = make_feeder(silent.url, ping_interval=0.2, pong_timeout=0.4, poll=0.05)
        wait_for(lambda: "connection dead" in (feeder.status.last_error or ""), 10, "dead")
        wait_for(lambda: silent.accepted >= 2, 10, "a new connection")
        assert feeder.status.reconnects >= 1
    finally:
        silent.stop()


def test_keepalive_never_uses_the_ping_command_so_the_feeder_stays_a_receiver(
    harness, server, make_feeder
):
    feeder = make_feeder(server.url, ping_interval=0.05, poll=0.02)
    [number] = server.wait_receivers(CHANNEL)
    time.sleep(0.6)  # a dozen keep-alive pings
    assert server.receivers(CHANNEL) == [number]
    assert Sender(server.url).send(send_message([sms("08126666666", "after pings")]))
    assert wait_deliveries(harness, 1) == Counter({("+628126666666", "after pings"): 1})
    assert feeder.status.connected and feeder.status.reconnects == 0


def test_the_test_server_is_faithful_about_the_ping_command(server):
    """The hazard the feeder avoids: the `ping` command ends receiving, silently."""
    receiver = Sender(server.url)
    assert receiver.send({"command": "receive-message", "channel": CHANNEL, "data": []})
    wait_for(lambda: len(server.receivers(CHANNEL)) == 1, what="registered")
    assert receiver.send({"command": "ping", "channel": CHANNEL})
    assert json.loads(receiver.ws.recv())["command"] == "connect"
    wait_for(lambda: server.receivers(CHANNEL) == [], what="no longer a receiver")
    receiver.close()


def test_stop_returns_promptly_in_every_state(harness, server, make_feeder):
    def stop_quickly(feeder):
        started = time.monotonic()
        feeder.stop()
        assert time.monotonic() - started < 1.5
        assert feeder.status.state == "stopped" and not feeder._thread.is_alive()

    connected = make_feeder(server.url)
    server.wait_receivers(CHANNEL)
    stop_quickly(connected)

    backing_off = make_feeder(server.url, password="wrong", delays=(30.0,))
    wait_for(lambda: backing_off.status.reconnects >= 1, what="backing off")
    stop_quickly(backing_off)

    mute = socket.create_server(("127.0.0.1", 0))  # accepts TCP, never answers the upgrade
    try:
        upgrading = make_feeder(f"ws://127.0.0.1:{mute.getsockname()[1]}/")
        wait_for(lambda: upgrading.status.state == "connecting", what="connecting")
        time.sleep(0.2)
        stop_quickly(upgrading)
    finally:
        mute.close()

    refused = make_feeder(f"ws://127.0.0.1:{free_port()}/", delays=(30.0,))
    wait_for(lambda: refused.status.reconnects >= 1, what="refused")
    assert "refused" in refused.status.last_error.lower()
    stop_quickly(refused)

    silent = SilentServer().start()
    try:
        waiting = make_feeder(silent.url)
        wait_for(lambda: waiting.status.connected, what="connected to the silent server")
        stop_quickly(waiting)
    finally:
        silent.stop()

    busy = make_feeder(server.url)
    server.wait_receivers(CHANNEL, count=1)
    sender = Sender(server.url)
    for index in range(50):
        sender.send(send_message([sms("08126666666", f"busy {index}", f"b-{index}")]))
    sender.close()
    wait_for(lambda: busy.status.received >= 5, what="stream in progress")
    stop_quickly(busy)


def text_of(frame):
    [item] = json.loads(frame)["data"]
    return item["data"]["message"] if "command" in item else item["message"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
