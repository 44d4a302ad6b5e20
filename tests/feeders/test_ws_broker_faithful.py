"""The WSMessageBroker test server behaves as the original on restarts and with several
receivers (``ws_broker.py``): a frame goes to at most ``number_of_receiver`` receivers (2 as
shipped, the sender may say otherwise per frame); with ``keep_data`` the items of a frame
that reached nobody are kept on disk, across a restart of the server, and handed to the next
receiver one item per frame -- also those of a rejected sender, and also to a rejected
receiver. And what that means for devices: two devices on one channel both send an OTP;
frames published while the device's feeder is off are sent once when it is back."""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

import pytest
import websocket
from ws_broker import WsBroker

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

USERS = {"device": "pw-device", "app": "pw-app"}
CHANNEL = "sms"


class Client:
    """A raw WebSocket client of the test server (``app`` or ``device``, or bad credentials)."""

    def __init__(self, server: WsBroker, user: str = "app", password: str | None = None) -> None:
        token = base64.b64encode(f"{user}:{password or USERS.get(user, '')}".encode()).decode()
        self.ws = websocket.create_connection(
            server.url, header=[f"Authorization: Basic {token}"], timeout=10
        )
        self.code = json.loads(self.ws.recv())["response_code"]

    def send(self, frame: dict) -> None:
        self.ws.send(json.dumps(frame))

    def receive(self, server: WsBroker, count: int = 1) -> int:
        """Register as a receiver of the channel; wait until ``count`` receivers are there
        (a rejected client is not counted: 0)."""
        self.send({"command": "receive-message", "channel": CHANNEL, "data": []})
        if count:
            server.wait_receivers(CHANNEL, count)
        return count

    def frames(self, count: int) -> list[dict]:
        return [json.loads(self.ws.recv()) for _ in range(count)]

    def close(self) -> None:
        self.ws.close()


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def item(text: str, message_id: str | None = None) -> dict:
    data = {"msisdn": "08126666666", "message": text}
    if message_id is not None:
        data["id"] = message_id
    return {"command": "send-sms", "data": data}


def send_message(items: list[dict], **more: object) -> dict:
    return {"command": "send-message", "channel": CHANNEL, "data": items, **more}


@pytest.fixture
def servers():
    """start(**options) -> a started WsBroker, stopped when the test ends."""
    started: list[WsBroker] = []

    def start(**options) -> WsBroker:
        started.append(WsBroker(USERS, **options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def receivers_of(server: WsBroker, text: str) -> list[int]:
    return sorted(n for n, frame in server.forwarded if text in str(frame))


def test_a_frame_goes_to_at_most_number_of_receiver_receivers_oldest_first(servers):
    server = servers()
    clients = [Client(server, "device") for _ in range(3)]
    for count, client in enumerate(clients, 1):
        client.receive(server, count)
    numbers = server.receivers(CHANNEL)
    sender = Client(server)
    sender.send(send_message([item("to two")]))
    sender.send(send_message([item("to one")], number_of_receiver=1))
    sender.send(send_message([item("to all")], number_of_receiver=0))
    wait_for(lambda: len(server.forwarded) == 2 + 1 + 3, what="6 frames forwarded")
    assert receivers_of(server, "to two") == numbers[:2]  # the shipped default: 2
    assert receivers_of(server, "to one") == numbers[:1]
    assert receivers_of(server, "to all") == numbers
    first = [f["data"][0]["data"]["message"] for f in clients[0].frames(3)]
    assert first == ["to two", "to one", "to all"]
    assert [f["data"][0]["data"]["message"] for f in clients[2].frames(1)] == ["to all"]
    for client in (*clients, sender):
        client.close()


def test_kept_items_survive_a_server_restart_and_are_replayed_one_per_frame(servers, tmp_path):
    server = servers(keep_data=True, data_dir=tmp_path / "db", delay_send=0.03)
    sender = Client(server)
    sender.send(send_message([item("kept 1"), item("kept 2")]))
    sender.send(send_message([item("kept 3")]))
    wait_for(lambda: len(server.kept.get(CHANNEL, [])) == 3, what="3 items kept")
    sender.close()
    server.stop()  # a restart: the database stays
    again = servers(keep_data=True, data_dir=tmp_path / "db", delay_send=0.03)
    assert [i["data"]["message"] for i in again.kept[CHANNEL]] == ["kept 1", "kept 2", "kept 3"]
    receiver = Client(again, "device")
    receiver.receive(again)
    frames = receiver.frames(3)
    assert frames == [
        {"command": "send-message", "channel": CHANNEL, "data": [item(f"kept {n}")]}
        for n in (1, 2, 3)
    ]
    assert again.kept == {}
    live = Client(again)
    live.send(send_message([item("live")]))  # with a receiver there, nothing is kept
    assert receiver.frames(1)[0]["data"][0]["data"]["message"] == "live"
    assert again.kept == {}
    for client in (receiver, live):
        client.close()


def test_with_keep_data_rejected_clients_add_and_take_kept_items(servers):
    server = servers(keep_data=True)
    device = Client(server, "device")
    device.receive(server)
    intruder = Client(server, "app", "wrong")
    assert intruder.code == "01"
    intruder.send(send_message([item("injected")]))
    wait_for(lambda: server.kept.get(CHANNEL), what="the rejected sender's item kept")
    assert server.forwarded == []  # never forwarded live...
    thief = Client(server, "app", "wrong")
    thief.receive(server, 0)  # ...but handed to whoever registers next, rejected or not
    assert thief.frames(1)[0]["data"] == [item("injected")]
    wait_for(lambda: server.kept == {}, what="the kept item taken")
    for client in (device, intruder, thief):
        client.close()


@pytest.fixture
def device(tmp_path):
    """start(name, ws_url) -> a running Broker with one emulated modem, its WSMessageBroker
    feeder on ``CHANNEL``; stopped when the test ends."""
    started: list[BrokerHarness] = []

    def start(name: str, url: str) -> BrokerHarness:
        h = BrokerHarness(tmp_path / name)
        h.add_modem()
        h.broker.store.update_settings({
            "feeders.ws.enabled": True, "feeders.ws.url": url, "feeders.ws.username": "device",
            "feeders.ws.password": USERS["device"], "feeders.ws.channel": CHANNEL,
        })  # fmt: skip
        started.append(h.start())
        return h

    yield start
    for h in started:
        h.stop()


def sent(h: BrokerHarness) -> list[str]:
    return sorted(d.text for d in h.sims[0].deliveries)


def test_two_devices_on_one_channel_both_send_the_same_otp(servers, device):
    server = servers()
    first = device("first", server.url)
    server.wait_receivers(CHANNEL, 1)
    second = device("second", server.url)
    server.wait_receivers(CHANNEL, 2)
    sender = Client(server)
    sender.send(send_message([item("Kode OTP 123456", "otp-1")]))
    wait_for(lambda: sent(first) and sent(second), what="both devices sent it")
    assert sent(first) == sent(second) == ["Kode OTP 123456"]  # one id, two SMS
    sender.send(send_message([item("Kode OTP 654321", "otp-2")], number_of_receiver=1))
    wait_for(lambda: len(sent(first)) == 2, what="the first device sent the second OTP")
    time.sleep(1.0)  # the second device must not send it
    assert sent(second) == ["Kode OTP 123456"]
    sender.close()


def test_frames_published_while_the_feeder_is_off_are_sent_once_when_it_is_back(servers, device):
    server = servers(keep_data=True)
    h = device("device", server.url)
    server.wait_receivers(CHANNEL, 1)
    h.broker.store.set("feeders.ws.enabled", False)
    wait_for(lambda: server.receivers(CHANNEL) == [], what="the feeder gone")
    sender = Client(server)
    sender.send(send_message([item("while off 1", "off-1"), item("while off 2")]))
    sender.send(send_message([item("while off 3", "off-3")]))
    wait_for(lambda: len(server.kept.get(CHANNEL, [])) == 3, what="3 items kept")
    h.broker.store.set("feeders.ws.enabled", True)
    wait_for(lambda: len(sent(h)) == 3, what="the kept items sent")
    time.sleep(1.0)  # nothing more may come
    assert sent(h) == ["while off 1", "while off 2", "while off 3"]
    assert CHANNEL not in server.kept  # (the status channel's frames, unheard, are kept)
    sender.close()
