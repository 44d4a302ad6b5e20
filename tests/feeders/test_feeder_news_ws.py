"""WSMessageBroker replies and status: the status channel's receivers get the replies, the
status events of the feeder's messages and received SMS, sent on a connection of the
feeder's own (its receiving connection stays a receiver); request-otp / verify-otp. A
protocol-exact test server (ws_broker.py) and a real broker with an emulated modem."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from pathlib import Path

import pytest
import websocket

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))

from amqp_tools import wait_until
from broker_harness import BrokerHarness
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
from ws_broker import WsBroker

from otpbroker.feeders.ws import WsBrokerFeeder

USERS = {"device": "pw-device", "app": "pw-app"}


def _header(user: str) -> list[str]:
    token = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
    return [f"Authorization: Basic {token}"]


class Client:
    """The application's side: registers as a receiver of ``channel`` (when given) and
    records every frame; ``send`` sends a frame to the feeder's channel."""

    def __init__(self, url: str, channel: str | None = None) -> None:
        self.frames: list[dict] = []
        self._lock = threading.Lock()
        self.ws = websocket.create_connection(url, header=_header("app"), timeout=10)
        assert json.loads(self.ws.recv())["response_code"] == "00"
        if channel is not None:
            self.ws.send(json.dumps({"command": "receive-message", "channel": channel,
                                     "data": []}))  # fmt: skip
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        self.ws.settimeout(None)
        while True:
            try:
                text = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                return
            if not text:  # closed
                return
            with self._lock:
                self.frames.append(json.loads(text))

    def send(self, *items: dict) -> None:
        self.ws.send(json.dumps({"command": "send-message", "channel": "sms", "data": list(items)}))

    def bodies(self, count: int) -> list[dict]:
        def enough() -> list[dict]:
            with self._lock:
                frames = list(self.frames)
            return frames if len(frames) >= count else []

        frames = wait_until(enough, 20, f"{count} frame(s) on the status channel")
        for frame in frames:
            assert (frame["command"], frame["channel"], len(frame["data"])) == (
                "send-message", "sms-status", 1)  # fmt: skip
        return [frame["data"][0] for frame in frames]

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def harness(tmp_path):
    h = news_harness(tmp_path / "data")
    yield h
    h.stop()


@pytest.fixture
def server():
    s = WsBroker(USERS).start()
    yield s
    s.stop()


@pytest.fixture
def start(harness, server):
    """start(status_channel) -> a WsBrokerFeeder registered on ``sms``, on the bus."""
    started: list[WsBrokerFeeder] = []

    def run(status_channel: str = "sms-status") -> WsBrokerFeeder:
        settings = {"url": server.url, "username": "device", "password": "pw-device",
                    "channel": "sms", "status_channel": status_channel}  # fmt: skip
        feeder = attach(harness, WsBrokerFeeder(harness.broker.processor, settings))
        started.append(feeder)
        feeder.start()
        server.wait_receivers("sms")
        return feeder

    yield run
    for feeder in started:
        feeder.stop()


def test_status_channel_receiver_gets_replies_events_and_received_sms(harness, server, start):
    feeder = start()
    app = Client(server.url, "sms-status")
    sender = Client(server.url)
    try:
        server.wait_receivers("sms-status")
        sender.send(send_sms("08126666666", "OTP 8642", "ws-1"))
        bodies = app.bodies(3)
        assert [(b["type"], b.get("state"), b["id"]) for b in bodies] == [
            ("status", "accepted", "ws-1"), ("status", "sent", "ws-1"),
            ("reply", None, "ws-1")]  # fmt: skip
        assert (bodies[2]["command"], bodies[2]["response_code"]) == ("send-sms", "0000")
        later(harness, "ws-1", "ws")
        later(harness, "ws-1", "rabbitmq")  # another feeder's message: not here
        inbound = received(harness, "Sisa pulsa 10000")
        bodies = app.bodies(5)
        assert bodies[3]["state"] == "delivered"
        assert bodies[4] == json.loads(json.dumps(inbound.as_json()))
        assert "8642" not in json.dumps(bodies)
        # the receiving connection is still a receiver: the next message is taken
        sender.send(send_sms("08126666666", "second", "ws-2"))
        harness.sims[0].wait_for_deliveries(2)
        assert len(server.receivers("sms")) == 1
        wait_until(lambda: feeder.status.news_sent >= 8, 10, "8 bodies sent")
        assert feeder.status.news_dropped == 0
    finally:
        app.close()
        sender.close()


def test_request_otp_token_comes_back_and_verify_otp_answers(harness, server, start):
    start()
    app = Client(server.url, "sms-status")
    sender = Client(server.url)
    try:
        server.wait_receivers("sms-status")
        sender.send(request_otp(message_id="ws-otp"))
        [reply] = [b for b in app.bodies(3) if b["type"] == "reply"]
        assert (reply["command"], reply["response_code"], reply["id"]) == (
            "request-otp", "0000", "ws-otp")  # fmt: skip
        code = otp_sent(harness)
        assert code not in json.dumps(app.frames)
        sender.send(verify_otp(reply["data"]["token"], code))
        answer = app.bodies(4)[3]
        assert (answer["command"], answer["data"]["result"]) == ("verify-otp", "valid")
    finally:
        app.close()
        sender.close()


def test_no_status_channel_no_second_connection_nothing_sent(harness, server, start):
    feeder = start(status_channel="")
    app = Client(server.url, "sms-status")
    sender = Client(server.url)
    try:
        sender.send(send_sms("08126666666", "quiet", "ws-q"))
        harness.sims[0].wait_for_deliveries(1)
        later(harness, "ws-q", "ws")
        time.sleep(0.3)
        assert app.frames == []
        assert server.connections == 3  # the feeder's receiver, the app, the sender
        assert feeder.status.news_sent == 0
    finally:
        app.close()
        sender.close()


def test_the_broker_wires_its_feeders_to_the_bus_with_the_default_status_channel(tmp_path, server):
    """Through the composition root: settings only, the default ``sms-status`` channel,
    ``status.report_wait_seconds`` from the settings."""
    h = BrokerHarness(tmp_path / "wired")
    h.add_modem(profile={"send_delay": 0.005})
    h.broker.store.update_settings({
        "feeders.ws.enabled": True, "feeders.ws.url": server.url,
        "feeders.ws.username": "device", "feeders.ws.password": USERS["device"],
        "feeders.ws.channel": "sms",
    })  # fmt: skip
    h.start()
    app = Client(server.url, "sms-status")
    sender = Client(server.url)
    try:
        server.wait_receivers("sms")
        server.wait_receivers("sms-status")
        feeder = h.broker.feeders.feeder("ws")
        assert feeder is not None and feeder.news is not None
        assert feeder.news.routes.seconds == 259200  # the setting's default
        sender.send(send_sms("08126666666", "wired", "wired-1"))
        assert [b["type"] for b in app.bodies(3)] == ["status", "status", "reply"]
        later(h, "wired-1", "ws")
        assert app.bodies(4)[3]["state"] == "delivered"
    finally:
        app.close()
        sender.close()
        h.stop()


def test_the_status_sender_keeps_its_connection_and_makes_a_new_one_after_a_drop(
    harness, server, start
):
    feeder = start()
    feeder.outgoing.ping_interval = 0.1  # idle pings (and their answers read) while we wait
    feeder.outgoing.delays = (0.05,)
    app = Client(server.url, "sms-status")
    try:
        server.wait_receivers("sms-status")
        later(harness, "first", "ws")
        assert app.bodies(1)[0]["id"] == "first"
        time.sleep(0.5)  # a few idle pings
        later(harness, "after-pings", "ws")
        assert app.bodies(2)[1]["id"] == "after-pings"
        connections = server.connections
        server.drop_all()  # a server restart: every connection ends
    finally:
        app.close()
    server.wait_receivers("sms")  # the feeder's receiver is back
    app = Client(server.url, "sms-status")
    try:
        server.wait_receivers("sms-status")
        time.sleep(0.3)  # the sender notices the drop while idle, or before its next send
        later(harness, "after-drop", "ws")
        assert [b["id"] for b in app.bodies(1)] == ["after-drop"]
        assert server.connections > connections + 1  # receiver, app and a new sender
        assert feeder.status.news_dropped == 0
    finally:
        app.close()


def test_reconnect_after_an_uplink_switch_opens_a_new_status_connection_too(harness, server, start):
    feeder = start()
    app = Client(server.url, "sms-status")
    try:
        server.wait_receivers("sms-status")
        later(harness, "before", "ws")
        assert app.bodies(1)[0]["id"] == "before"
        connections = server.connections  # feeder's receiver and sender, the app
        feeder.reconnect()
        wait_until(lambda: feeder.status.connected and server.connections > connections, 10,
                   "the new receiving connection")  # fmt: skip
        later(harness, "after", "ws")
        assert [b["id"] for b in app.bodies(2)] == ["before", "after"]
        assert server.connections == connections + 2  # a new receiver and a new sender
        assert feeder.status.news_dropped == 0 and feeder.status.reconnects == 1
    finally:
        app.close()
