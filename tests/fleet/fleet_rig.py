"""Several devices on one RabbitMQ queue: N ``otp-broker serve`` processes, each with its own
data dir and two emulated modems (``otp-broker modem-sim`` in a process of its own, which
outlives a SIGKILL of its ``serve`` and records every delivery), competing for one quorum
queue (durable, with a delivery limit), as docs/fleet.md recommends.

Deliveries are counted at the emulators, by message id (each OTP's text is unique). The
queue's settings live in ``QUEUE_SETTINGS`` only: the devices are configured with them and
the test declares the queue with the very arguments the devices' feeders derive from them
(``feeders.amqp_queues.queue_arguments``), so nobody meets a queue declared otherwise.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amqp_tools import AMQP, Publisher, connect, unique_queue
from crash_rig import ModemSim, Serve, ledger_states, wait_until

from otpbroker.feeders.amqp_queues import queue_arguments

#: The one place the fleet queue's type and delivery limit are set (``feeders.rabbitmq.*``).
QUEUE_SETTINGS: dict[str, Any] = {"queue_type": "quorum", "delivery_limit": 10}
QUEUE_ARGUMENTS: dict[str, Any] = queue_arguments(QUEUE_SETTINGS)
#: Seconds each emulated SMS takes: the modems, not the machine, are the bottleneck.
SMS_SECONDS = 0.2
PREFETCH = 4
#: Generous: a loaded machine may be slow, and ``make bench`` runs 1,000 OTPs.
TIMEOUT = 120.0 + 0.5 * int(os.environ.get("OTPB_FLEET_MESSAGES", "60"))


def declare(publisher: Publisher, queue: str) -> None:
    """Declare the fleet's queue (durable, with ``QUEUE_ARGUMENTS``)."""
    publisher.channel.queue_declare(queue, durable=True, arguments=QUEUE_ARGUMENTS)


class PortPublisher(Publisher):
    """The tests' publisher on the broker at ``port``."""

    def __init__(self, port: int = AMQP[1]) -> None:
        self.connection = connect(port)
        self.channel = self.connection.channel()


@contextlib.contextmanager
def publishing(port: int = AMQP[1]) -> Iterator[Publisher]:
    """A publisher on a connection of its own, closed after (never left idle: the broker
    would close it for missed heartbeats while a scenario waits)."""
    publisher = PortPublisher(port)
    try:
        yield publisher
    finally:
        publisher.close()


def stream(count: int, seed: int = 23) -> list[dict[str, Any]]:
    """``count`` OTPs, each with its own id, code and number (no number waits for another)."""
    codes = random.Random(seed).sample(range(100_000, 1_000_000), count)
    return [{"command": "send-sms", "data": {"id": f"fleet-{n}", "msisdn": f"0812{n:07d}",
             "message": f"Kode OTP {code}"}} for n, code in enumerate(codes)]  # fmt: skip


class Device:
    """One device: two emulated modems and ``serve`` on its own data dir."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.dir = root / name
        (self.dir / "run").mkdir(parents=True)
        self.sim = ModemSim(self.dir, "--delay", str(SMS_SECONDS), count=2)
        self.serve = Serve(self.dir / "data", self.dir / "run")

    def configure(self, queue: str, ledger_url: str | None, port: int = AMQP[1]) -> None:
        """Consume ``queue``; with ``ledger_url`` claim ids in the shared ledger there."""
        settings: dict[str, Any] = {
            "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
            "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
            "feeders.rabbitmq.queue": queue, "feeders.rabbitmq.prefetch": PREFETCH,
            "feeders.rabbitmq.port": port, "fleet.device_name": self.name,
            **{f"feeders.rabbitmq.{key}": value for key, value in QUEUE_SETTINGS.items()},
        }  # fmt: skip
        if ledger_url is not None:
            settings.update({"fleet.enabled": True, "fleet.ledger_url": ledger_url})
        self.serve.configure(self.sim.ports, settings)

    def stop(self) -> None:
        self.serve.stop()
        self.sim.stop()


@dataclass
class Outcome:
    """What reached the handsets, by id, and what each device's ledger holds as unknown."""

    counts: Counter[str]
    seconds: float
    unknown: set[str] = field(default_factory=set)

    def missing(self, ids: list[str]) -> list[str]:
        """Ids never delivered."""
        return [i for i in ids if i not in self.counts]

    def duplicates(self) -> int:
        """Copies beyond the first."""
        return sum(n - 1 for n in self.counts.values() if n > 1)


class Fleet:
    """``count`` devices consuming one fresh queue."""

    def __init__(
        self, root: Path, count: int, ledger_url: str | None = None, port: int = AMQP[1]
    ) -> None:
        self.port = port
        self.queue = unique_queue("otpb-fleet")
        self.devices: list[Device] = []
        try:
            for n in range(count):
                device = Device(root, f"dev-{n + 1}")
                self.devices.append(device)
                device.configure(self.queue, ledger_url, port)
        except BaseException:
            self.stop()
            raise
        self._declared = False
        with publishing(self.port) as publisher:
            declare(publisher, self.queue)
            self._declared = True

    def publish(self, messages: list[dict[str, Any]]) -> None:
        with publishing(self.port) as publisher:
            for message in messages:
                publisher.publish(self.queue, message)

    def start(self) -> None:
        for device in self.devices:
            device.serve.start()

    def consumers(self) -> int:
        """Consumers of the queue now."""
        with publishing(self.port) as publisher:
            declared = publisher.channel.queue_declare(self.queue, passive=True)
            return int(declared.method.consumer_count)

    def delivered(self, ids_by_text: dict[str, str]) -> Counter[str]:
        """How often each id reached a handset, over every device's modems."""
        return Counter(ids_by_text[t] for d in self.devices for t in d.sim.texts()
                       if t in ids_by_text)  # fmt: skip

    def unknown(self) -> set[str]:
        """Ids some device's ledger holds as ``sending`` with no outcome (killed between the
        record and the PDU: possibly sent, never resent)."""
        found = set()
        for device in self.devices:
            for key, state in ledger_states(device.serve.data_dir).items():
                if state == "sending" and key.startswith("sms:"):
                    found.add(key[4:])
        return found

    def stop(self) -> None:
        for device in self.devices:
            device.stop()
        if getattr(self, "_declared", False):
            with publishing(self.port) as publisher:
                publisher.delete([self.queue])


def run(
    fleet: Fleet,
    messages: list[dict[str, Any]],
    kill_at: int | None = None,
    midway: Callable[[], None] | None = None,
    ready: Callable[[], None] | None = None,
    strict: bool = True,
) -> Outcome:
    """Start the devices, publish ``messages`` once all consume, (when ``kill_at`` messages
    were delivered: ``midway()``, by default SIGKILL the first device and start it again), wait until every message
    is delivered or held as unknown (``strict``; else at most ``TIMEOUT``) and nothing new
    arrives for 3 s."""
    ids_by_text = {m["data"]["message"]: m["data"]["id"] for m in messages}
    fleet.start()
    wait_until(lambda: fleet.consumers() == len(fleet.devices), TIMEOUT, "every device consumes")
    if ready is not None:
        ready()  # every device consumes, nothing is published yet
    started = time.monotonic()
    fleet.publish(messages)
    if kill_at is not None:
        wait_until(lambda: sum(fleet.delivered(ids_by_text).values()) >= kill_at, TIMEOUT,
                   f"{kill_at} deliveries")  # fmt: skip
        if midway is not None:
            midway()
        else:
            fleet.devices[0].serve.kill()
            fleet.devices[0].serve.start()
    every = set(ids_by_text.values())

    def done() -> bool:
        return every <= set(fleet.delivered(ids_by_text)) | fleet.unknown()

    if strict:
        wait_until(done, TIMEOUT, "every message delivered (or held as unknown)")
    else:  # a measurement: what arrived within TIMEOUT
        deadline = time.monotonic() + TIMEOUT
        while not done() and time.monotonic() < deadline:
            time.sleep(0.5)
    seconds = time.monotonic() - started
    seen, deadline = -1, time.monotonic() + TIMEOUT
    while (now := sum(fleet.delivered(ids_by_text).values())) != seen:
        assert time.monotonic() < deadline, "deliveries did not settle"
        seen = now
        time.sleep(3.0)  # a late copy (a duplicate) would arrive within this
    return Outcome(fleet.delivered(ids_by_text), seconds, fleet.unknown())
