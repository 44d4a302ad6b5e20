"""A feeder restarted because its settings changed keeps its history: a real RabbitMQ feeder
inside a running Broker takes messages, its settings change (a dead port, then the right one
again), it is disabled and enabled; the counters in ``/metrics`` (read through the real API)
only ever grow and keep counting, and the admin's monitor shows each restart."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import re
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from amqp_tools import Publisher, free_port, rabbitmq_available, unique_queue, wait_until
from broker_harness import BrokerHarness

NO_RABBITMQ = "no RabbitMQ on 127.0.0.1:5672"
FAMILY = re.compile(
    r'^(otpbroker_feeder_(?:messages|reconnects|restarts)_total)\{feeder="rabbitmq"'
    r'(?:,result="(\w+)")?\} (\d+)$',
    re.MULTILINE,
)


class EventReader:
    """The monitor's Server-Sent Events, read on a thread into a queue of (event, data)."""

    def __init__(self, base: str, client: AdminClient) -> None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
        host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.connection.request("GET", "/admin-api/monitor/stream", headers={"Cookie": cookie})
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = "", ""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            while line := self.response.readline().decode():
                line = line.rstrip("\n")
                if line.startswith("event:"):
                    name = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data = line.partition(":")[2].strip()
                elif not line and data:
                    self.events.put((name, json.loads(data)))
                    name, data = "", ""

    def find(self, predicate, what: str, timeout: float = 30.0) -> dict:
        """The first event (name, data) that ``predicate`` accepts; fails after ``timeout``."""
        with contextlib.suppress(queue.Empty):
            while True:
                name, data = self.events.get(timeout=timeout)
                if predicate(name, data):
                    return data
        raise AssertionError(f"no {what} on the monitor stream")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.connection.sock is not None:
                self.connection.sock.shutdown(2)
        self.connection.close()


@pytest.fixture
def rig(tmp_path):
    """(harness, publisher, queue, admin client): a Broker with one emulated modem and the
    RabbitMQ feeder enabled on a fresh queue."""
    if not rabbitmq_available():
        pytest.skip(NO_RABBITMQ)
    publisher = Publisher()
    name = unique_queue()
    publisher.channel.queue_declare(name, durable=True)
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.broker.store.update_settings({
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": name,
    })  # fmt: skip
    h.start()
    admin = AdminClient(h.base)
    admin.setup(h.broker.setup_code.read())
    yield h, publisher, name, admin
    h.stop()
    publisher.delete([name])
    publisher.close()


def metrics(h: BrokerHarness) -> dict[str, int]:
    """The RabbitMQ feeder's counters from ``GET /metrics``: ``received``, ``processed``,
    ``rejected``, ``reconnects``, ``restarts``."""
    status, text, _ = h.request("/metrics", method="GET", auth=None)
    assert status == 200
    found = {}
    for family, result, value in FAMILY.findall(text):
        found[result or family.split("_")[2]] = int(value)
    assert {"received", "processed", "rejected", "reconnects"} <= set(found), text
    return found


def publish(publisher: Publisher, name: str, texts: list[str]) -> None:
    for text in texts:
        body = {"command": "send-sms", "data": {"id": text, "msisdn": "08126666666",
                                                "message": text}}  # fmt: skip
        publisher.publish(name, body)


def sent(h: BrokerHarness) -> list[str]:
    return sorted(d.text for d in h.sims[0].deliveries)


def status(h: BrokerHarness):
    [found] = [s for s in h.broker.feeders.statuses() if s.name == "rabbitmq"]
    return found


def grew(before: dict[str, int], after: dict[str, int]) -> None:
    """Every counter of ``after`` is at least what it was ``before``."""
    assert all(after[key] >= value for key, value in before.items()), (before, after)


def test_a_restarted_feeder_keeps_its_counters_and_the_monitor_shows_the_restart(rig):
    h, publisher, name, admin = rig
    wait_until(lambda: status(h).connected, 20, "the feeder connected")
    stream = EventReader(h.base, admin)
    try:
        publish(publisher, name, ["first 1", "first 2", "first 3"])
        wait_until(lambda: len(sent(h)) == 3 and status(h).processed == 3, 30, "3 sent")
        taken = metrics(h)
        assert taken["received"] == 3 and taken["processed"] == 3

        # a setting changes: the feeder restarts on a port where nobody listens
        h.broker.store.set("feeders.rabbitmq.port", free_port())
        wait_until(lambda: status(h).reconnects >= 1, 30, "a failed connection counted")
        failing = metrics(h)
        grew(taken, failing)
        assert (
            taken.get("restarts") == 0
            and failing.get("restarts") == 1
            and failing["reconnects"] >= 1
        )
        event = stream.find(lambda n, d: n == "sms" and d["kind"] == "feeder"
                            and d["outcome"] == "restarted", "restart event")  # fmt: skip
        assert event["source"] == "rabbitmq" and event["source_label"] == "RabbitMQ"
        assert event["code"] == "settings changed"
        shown = stream.find(lambda n, d: n == "feeder" and d["name"] == "rabbitmq"
                            and d["restarts"] == 1, "feeder status with a restart")  # fmt: skip
        assert shown["restarted"] and shown["received"] == 3

        # the right port again: a second restart, and it counts on from where it was
        h.broker.store.set("feeders.rabbitmq.port", 5672)
        wait_until(lambda: status(h).connected, 30, "connected again")
        publish(publisher, name, ["second 1", "second 2"])
        wait_until(lambda: len(sent(h)) == 5 and status(h).processed == 5, 30, "5 sent")
        again = metrics(h)
        grew(failing, again)
        assert again["received"] == 5 and again["processed"] == 5 and again["restarts"] == 2

        # disabled: the counters stay; enabled again: they count on (a start, not a restart)
        h.broker.store.set("feeders.rabbitmq.enabled", False)
        wait_until(lambda: status(h).state == "disabled", 20, "disabled")
        disabled = metrics(h)
        grew(again, disabled)
        h.broker.store.set("feeders.rabbitmq.enabled", True)
        wait_until(lambda: status(h).connected, 30, "enabled again")
        publish(publisher, name, ["third 1"])
        wait_until(lambda: len(sent(h)) == 6 and status(h).processed == 6, 30, "6 sent")
        last = metrics(h)
        grew(disabled, last)
        assert last["received"] == 6 and last["processed"] == 6 and last["restarts"] == 2
        assert last["rejected"] == 0
        stream.find(lambda n, d: n == "sms" and d["kind"] == "feeder"
                    and (d["outcome"], d["code"]) == ("stopped", "disabled"), "stop event")  # fmt: skip
    finally:
        stream.close()
    assert sent(h) == sorted(["first 1", "first 2", "first 3", "second 1", "second 2", "third 1"])

    code, page, _ = admin.get("/monitor")
    assert code == 200
    row = re.search(r'<tr data-feeder="rabbitmq">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'data-label="([^"]+)"[^>]*>(?:<span[^>]*>)?([^<]*)', row.group(1))
    assert dict(cells)["Restarts"] == "2" and dict(cells)["Received"] == "6", cells
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", dict(cells)["Restarted at"]), cells
    assert "restarted</span> settings changed" in page
    code, feeders_page, _ = admin.get("/feeders")
    assert code == 200 and 'data-stat="restarts"' in feeders_page
