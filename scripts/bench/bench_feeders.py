"""Benchmark the feeders end to end: publish -> RabbitMQ / Mosquitto -> feeder -> modems.

A real ``Broker`` runs in this process with 4 zero-delay emulated modems (``SimModem`` on
real ptys) and its RabbitMQ and MQTT feeders enabled against the local servers (loopback,
a queue, topic and client id of its own, removed at the end). The REST API of the same
broker is measured the same way, as the reference. For each transport it prints, side by
side:

1. one message at a time (publish, wait until the emulator has it, publish the next):
   latency p50 / p99 from just before the publish (or the HTTP request) to the emulator's
   ``Part.received_at`` of the PDU's Ctrl-Z -- one ``time.perf_counter()`` clock;
2. a burst of ``--messages`` (distinct ids, a unique text each, matched in the emulator's
   log): SMS/s from the first publish to the last PDU, and the same latency; for the
   feeders it includes the wait in the queue behind the burst, for REST the clients only
   send their next request after the reply (a closed loop of ``--clients``);
3. the feeder's window (RabbitMQ prefetch, worker pool) and the ratios feeder / REST.

Publishers and HTTP clients run in this process too (one GIL, like bench_api's in-process
figures). A message that never reaches the emulator is reported, with the feeder's own
counters, so a broker that drops messages (Mosquitto beyond ``max_queued_messages`` for a
client) shows as such.

Figures only: nothing here passes or fails on time. Message texts stay in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import paho.mqtt.client as mqtt
import pika
from bench_api import MSISDN, ApiClient, LocalBroker, percentile, text_for
from paho.mqtt.enums import CallbackAPIVersion

from otpbroker.feeders.base import FeederStatus
from otpbroker.modem.sim import DeliveryLog

MODEMS = 4
AMQP_HOST, AMQP_PORT = "127.0.0.1", 5672
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
BURST_TIMEOUT = 25.0
"""Longest wait for one burst to reach the emulator (the whole run stays under 2 minutes)."""
WARM_UP = 20
SEQUENTIAL_BUDGET = 10.0
"""Longest one-at-a-time phase; fewer samples are taken if it runs out."""


def command(message_id: str, text: str) -> bytes:
    """The send-sms command object every transport carries."""
    data = {"id": message_id, "msisdn": MSISDN, "message": text}
    return json.dumps({"command": "send-sms", "data": data}).encode()


# ---- publishers: send(id, text) records nothing; the caller stamps the time before ------


class AmqpPublisher:
    """Persistent messages to the feeder's queue through the default exchange."""

    def __init__(self, queue: str) -> None:
        credentials = pika.PlainCredentials("guest", "guest")
        parameters = pika.ConnectionParameters(AMQP_HOST, AMQP_PORT, credentials=credentials)
        self.queue = queue
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.queue_declare(queue, durable=True)  # as the feeder declares it
        self._properties = pika.BasicProperties(
            content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent
        )

    def send(self, message_id: str, text: str) -> None:
        self.channel.basic_publish("", self.queue, command(message_id, text), self._properties)

    def flush(self) -> None:
        """Let pika service its connection (heartbeats) between phases."""
        self.connection.process_data_events(0)

    def close(self) -> None:
        with contextlib.suppress(pika.exceptions.AMQPError):
            self.connection.close()


def delete_queue(queue: str) -> None:
    """Remove the benchmark's queue (declared by the feeder and the publisher)."""
    credentials = pika.PlainCredentials("guest", "guest")
    parameters = pika.ConnectionParameters(AMQP_HOST, AMQP_PORT, credentials=credentials)
    with contextlib.suppress(pika.exceptions.AMQPError):
        connection = pika.BlockingConnection(parameters)
        try:
            connection.channel().queue_delete(queue)
        finally:
            connection.close()


class MqttPublisher:
    """QoS 1 publishes from a paho client with its own network thread."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"otpb-bench-pub-{tag()}")
        self.client.connect(MQTT_HOST, MQTT_PORT)
        self.client.loop_start()
        self._last: mqtt.MQTTMessageInfo | None = None

    def send(self, message_id: str, text: str) -> None:
        self._last = self.client.publish(self.topic, command(message_id, text), qos=1)

    def flush(self) -> None:
        """Wait for the last PUBACK from Mosquitto."""
        if self._last is not None:
            self._last.wait_for_publish(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def forget_mqtt_session(client_id: str) -> None:
    """Remove the feeder's persistent session (and anything queued for it) from Mosquitto."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    with contextlib.suppress(OSError):
        client.connect(MQTT_HOST, MQTT_PORT)
        client.loop_start()
        time.sleep(0.3)
        client.loop_stop()
        client.disconnect()


def tag() -> str:
    """A short random name part, so nothing clashes with other users of the servers."""
    return uuid.uuid4().hex[:10]


# ---- measuring -----------------------------------------------------------------------------


@dataclass
class Phase:
    """What one phase measured: latencies in seconds, and the burst's rate."""

    latencies: list[float] = field(default_factory=list)
    expected: int = 0
    rate: float = 0.0
    duplicates: int = 0

    @property
    def delivered(self) -> int:
        return len(self.latencies)

    def p(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) if self.latencies else float("nan")


def wait_for_deliveries(log: DeliveryLog, count: int, timeout: float, poll: float = 0) -> bool:
    """True once the emulator holds ``count`` deliveries; False after ``timeout``.

    ``poll`` 0 wakes on each delivery (one at a time); during a burst poll instead, since
    each wake-up copies the whole log while the broker needs the CPU.
    """
    if poll:
        deadline = time.monotonic() + timeout
        while len(log.parts) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(poll)
        return True
    try:
        log.wait_for(count, timeout)
    except TimeoutError:  # its message lists the texts: never print it
        return False
    return True


def collect(log: DeliveryLog, sent: dict[str, float], first: float) -> Phase:
    """Match the emulator's parts to ``sent`` (text -> time before the publish)."""
    seen = Counter(part.submit.text for part in log.parts if part.submit.text in sent)
    received = {p.submit.text: p.received_at for p in log.parts if p.submit.text in sent}
    phase = Phase(expected=len(sent), duplicates=sum(n - 1 for n in seen.values()))
    phase.latencies = [received[text] - start for text, start in sent.items() if text in received]
    if received and len(received) == len(sent):  # a partial burst has no rate
        phase.rate = len(received) / (max(received.values()) - first)
    return phase


def one_at_a_time(log: DeliveryLog, send: Callable[[str, str], None], prefix: str,
                  count: int) -> Phase:  # fmt: skip
    """Send, wait for the PDU, send the next; ``count`` messages or SEQUENTIAL_BUDGET."""
    sent: dict[str, float] = {}
    base = len(log.deliveries)
    deadline = time.monotonic() + SEQUENTIAL_BUDGET
    for i in range(count):
        text = text_for(f"{prefix}-q{i}")
        sent[text] = time.perf_counter()
        send(f"{prefix}-q{i}", text)
        if not wait_for_deliveries(log, base + i + 1, 10) or time.monotonic() > deadline:
            break
    return collect(log, sent, min(sent.values()))


def burst(log: DeliveryLog, send: Callable[[str, str], None], prefix: str, count: int) -> Phase:
    """Publish ``count`` messages as fast as the client takes them, then wait for all."""
    base = len(log.deliveries)
    sent: dict[str, float] = {}
    texts = [(f"{prefix}-b{i}", text_for(f"{prefix}-b{i}")) for i in range(count)]
    for message_id, text in texts:
        sent[text] = time.perf_counter()
        send(message_id, text)
    wait_for_deliveries(log, base + count, BURST_TIMEOUT, poll=0.02)
    time.sleep(0.2)  # a copy sent twice would arrive right behind
    return collect(log, sent, min(sent.values()))


class RestSender:
    """``send(id, text)`` over one keep-alive connection; every reply must be 0000."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.api = ApiClient(*address)

    def send(self, message_id: str, text: str) -> None:
        _, _, status, body = self.api.send_sms(message_id, text)
        if status != 200 or body.get("response_code") != "0000":
            raise SystemExit(f"REST request failed: HTTP {status} {body.get('response_code')}")


def rest_burst(log: DeliveryLog, address: tuple[str, int], prefix: str, count: int,
               clients: int) -> Phase:  # fmt: skip
    """``count`` requests from ``clients`` keep-alive connections (each waits for its reply)."""
    base = len(log.deliveries)
    pending = [(f"{prefix}-b{i}", text_for(f"{prefix}-b{i}")) for i in range(count)]
    pending.reverse()
    sent: dict[str, float] = {}
    lock = threading.Lock()
    failures: list[str] = []
    senders = [RestSender(address) for _ in range(clients)]
    for sender in senders:
        sender.api.connect()
    ready = threading.Barrier(clients)

    def client(sender: RestSender) -> None:
        try:
            ready.wait()
            while True:
                with lock:
                    if not pending or failures:
                        return
                    message_id, text = pending.pop()
                    sent[text] = time.perf_counter()
                sender.send(message_id, text)
        except (Exception, SystemExit) as exc:
            with lock:
                failures.append(repr(exc)[:200])
        finally:
            sender.api.close()

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} REST client(s) failed, first: {failures[0]}")
    wait_for_deliveries(log, base + count, BURST_TIMEOUT, poll=0.02)
    return collect(log, sent, min(sent.values()))


# ---- the run -------------------------------------------------------------------------------


@dataclass
class Transport:
    """One transport's results and how it was configured."""

    name: str
    window: str
    sequential: Phase
    burst: Phase
    counters: str = ""
    published: int = 0
    """Messages published to the feeder's broker (warm-up included)."""
    received: int = 0
    """Messages the feeder took from it."""


def feeder_status(local: LocalBroker, name: str) -> FeederStatus:
    return next(s for s in local.broker.feeders.statuses() if s.name == name)


def feeder_counters(status: FeederStatus) -> str:
    return (f"received {status.received}, processed {status.processed}, "
            f"rejected {status.rejected}, reconnects {status.reconnects}")  # fmt: skip


def run(tmp: Path, args: argparse.Namespace) -> list[Transport]:
    queue, topic = f"otpb-bench-{tag()}", f"otpb/bench/{tag()}"
    client_id = f"otpb-bench-feeder-{tag()}"
    local = LocalBroker(tmp / "data", MODEMS, 0.0)
    settings: dict[str, object] = {
        "sms.dedup_window_seconds": 600,
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": AMQP_HOST,
        "feeders.rabbitmq.port": AMQP_PORT, "feeders.rabbitmq.username": "guest",
        "feeders.rabbitmq.password": "guest", "feeders.rabbitmq.queue": queue,
        "feeders.mqtt.enabled": True, "feeders.mqtt.host": MQTT_HOST,
        "feeders.mqtt.port": MQTT_PORT, "feeders.mqtt.topic": topic,
        "feeders.mqtt.client_id": client_id,
    }  # fmt: skip
    if args.prefetch is not None:
        settings["feeders.rabbitmq.prefetch"] = args.prefetch
    local.broker.store.update_settings(settings)
    amqp: AmqpPublisher | None = None
    mqttp: MqttPublisher | None = None
    results: list[Transport] = []
    try:
        with local:
            feeders = local.broker.feeders
            deadline = time.monotonic() + 20
            while not all(s.connected for s in feeders.statuses() if s.name != "ws"):
                if time.monotonic() > deadline:
                    states = {s.name: (s.state, s.last_error) for s in feeders.statuses()}
                    raise SystemExit(f"feeders not connected: {states}")
                time.sleep(0.05)
            amqp, mqttp = AmqpPublisher(queue), MqttPublisher(topic)
            rest = RestSender(local.address)
            log = local.log
            n, seq = args.messages, args.sequential

            # warm-up: the API login (scrypt, then cached), connections, code paths
            for name, send in (("rest", rest.send), ("amqp", amqp.send), ("mqtt", mqttp.send)):
                base = len(log.deliveries)
                for i in range(WARM_UP):
                    send(f"{name}-w{i}", text_for(f"{name}-w{i}"))
                if not wait_for_deliveries(log, base + WARM_UP, 20):
                    raise SystemExit(f"warm-up through {name} did not arrive")

            rest_seq = one_at_a_time(log, rest.send, "rest", seq)
            rest.api.close()
            amqp_seq = one_at_a_time(log, amqp.send, "amqp", seq)
            mqtt_seq = one_at_a_time(log, mqttp.send, "mqtt", seq)

            rest_b = rest_burst(log, local.address, "rest", n, args.clients)
            amqp.flush()
            amqp_b = burst(log, amqp.send, "amqp", n)
            amqp.flush()
            mqtt_b = burst(log, mqttp.send, "mqtt", n)
            mqttp.flush()

            rabbit = feeders.feeder("rabbitmq")
            mq = feeders.feeder("mqtt")
            assert rabbit is not None and mq is not None
            prefetch = int(rabbit.settings.get("prefetch") or 10)
            in_use = max(1, min(prefetch, rabbit.concurrency))
            amqp_status = feeder_status(local, "rabbitmq")
            mqtt_status = feeder_status(local, "mqtt")
            results = [
                Transport(f"REST, {args.clients} clients", f"{args.clients} requests",
                          rest_seq, rest_b),
                Transport("RabbitMQ", f"prefetch {prefetch} -> {in_use} unacked, "
                          f"pool {rabbit.concurrency}", amqp_seq, amqp_b,
                          feeder_counters(amqp_status), WARM_UP + amqp_seq.expected + n,
                          amqp_status.received),
                Transport("MQTT QoS 1", f"pool {mq.concurrency}, broker's in-flight limit",
                          mqtt_seq, mqtt_b, feeder_counters(mqtt_status),
                          WARM_UP + mqtt_seq.expected + n, mqtt_status.received),
            ]  # fmt: skip
    finally:
        if mqttp is not None:
            mqttp.close()
        if amqp is not None:
            amqp.close()
        delete_queue(queue)
        forget_mqtt_session(client_id)
    return results


# ---- report ----------------------------------------------------------------------------


def report(args: argparse.Namespace, results: Sequence[Transport], elapsed: float) -> None:
    ms = 1e3
    print("feeder benchmark (in-process Broker, 4 zero-delay emulated modems on real ptys;")
    print(f"  RabbitMQ {AMQP_HOST}:{AMQP_PORT} and Mosquitto {MQTT_HOST}:{MQTT_PORT} on loopback)")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
        f"load average {os.getloadavg()[0]:.2f}, pika {version('pika')}, "
        f"paho-mqtt {version('paho-mqtt')}"
    )
    print(f"  publish -> emulator read the PDU's Ctrl-Z; {args.messages} messages per burst, "
          f"up to {args.sequential} one at a time")  # fmt: skip
    head = (f"  {'transport':<18} {'SMS/s burst':>11} {'burst p50/p99 ms':>19} "
            f"{'1-by-1 p50/p99 ms':>19} {'sent':>11}  window")  # fmt: skip
    print(head)
    for t in results:
        b, s = t.burst, t.sequential
        sent = f"{b.delivered}/{b.expected}"
        rate = f"{b.rate:.0f}" if b.rate else "-"
        print(f"  {t.name:<18} {rate:>11} "
              f"{b.p(0.50) * ms:>9.1f}/{b.p(0.99) * ms:<9.1f} "
              f"{s.p(0.50) * ms:>9.2f}/{s.p(0.99) * ms:<9.2f} {sent:>11}  {t.window}")  # fmt: skip
    rest = results[0]
    for t in results[1:]:
        if not (t.burst.rate and rest.burst.rate and t.sequential.latencies
                and rest.sequential.latencies):  # fmt: skip
            print(f"  {t.name} / REST: not measured (a phase lost messages)")
            continue
        print(f"  {t.name} / REST: burst SMS/s {t.burst.rate / rest.burst.rate:.2f}x, "
              f"1-by-1 latency p50 {t.sequential.p(0.5) / rest.sequential.p(0.5):.2f}x, "
              f"p99 {t.sequential.p(0.99) / rest.sequential.p(0.99):.2f}x")  # fmt: skip
    samples = ", ".join(f"{t.name} {t.sequential.delivered}/{t.sequential.expected}"
                        for t in results)  # fmt: skip
    print(f"  1-by-1 samples delivered: {samples} (p99 of fewer than 100 is the maximum)")
    for t in results:
        if t.counters:
            print(f"  {t.name} feeder: {t.counters}")
        if t.burst.delivered < t.burst.expected:
            print(f"  {t.name}: {t.burst.expected - t.burst.delivered} of the burst never "
                  f"arrived within {BURST_TIMEOUT:g} s")  # fmt: skip
            if t.received < t.published:
                print(
                    f"    the feeder received only {t.received} of the {t.published} "
                    "published (acknowledged to the publisher): the broker dropped the rest"
                )
                print("    (Mosquitto: more than max_queued_messages, default 1000, waiting "
                      "for one client)")  # fmt: skip
        if t.burst.duplicates or t.sequential.duplicates:
            print(f"  {t.name}: {t.burst.duplicates + t.sequential.duplicates} sent twice")
    print("  notes: a latency ratio above 1 means the feeder is slower; the feeders' burst")
    print("  latency includes the wait behind the rest of the burst; REST clients send their")
    print("  next request only after each reply (closed loop).")
    print(f"  (whole run {elapsed:.1f} s; figures only: nothing fails on time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per burst")
    parser.add_argument("--sequential", type=int, default=200, help="one-at-a-time samples")
    parser.add_argument("--clients", type=int, default=16, help="REST clients in the burst")
    parser.add_argument("--prefetch", type=int, help="feeders.rabbitmq.prefetch (default: 10)")
    args = parser.parse_args()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-feeders-") as name:
        results = run(Path(name), args)
    report(args, results, time.monotonic() - start)


if __name__ == "__main__":
    main()
