"""The graceful-stop rig: a stream of OTPs over REST, RabbitMQ and MQTT while
``otp-broker serve`` is stopped with SIGTERM at random moments and restarted, round after
round, on the same data directory and the same emulated modems.

One ``otp-broker modem-sim`` bank runs for the whole rig; its deliveries record says what
really reached a handset. Every message has its own id and its own recipient, so
deliveries are counted by recipient (the rig never reads or keeps a text). After the last
round a final serve runs until every message was delivered, every REST client has its
final answer and the queue is empty. ``run`` returns a ``Report``; its ``violations`` are
the broken invariants: lost or duplicated messages, REST requests without a definite
answer, stops over the broker's bound, a non-zero exit code.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))

from amqp_tools import Publisher, unique_queue
from crash_rig import BIN, NO_PACING, ModemSim
from mqtt_tools import drop_session, make_session
from stop_clients import Emitter, Message, Phase, RestClient, recipient_key
from stop_report import Report, StopRecord

from otpbroker.bootstrap import Broker
from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore

API_USER = ("stop-rig", "stop-rig-password-1")
TRANSPORTS = ("rest", "amqp", "mqtt")


@dataclass(frozen=True)
class Plan:
    """The rig's size and randomness."""

    messages: int = 300
    rounds: int = 20
    modems: int = 3
    send_delay: float = 0.25
    seed: int = 0
    final_timeout: float = 120.0
    signum: int = signal.SIGTERM
    """The stop signal of every round (SIGKILL shows what the rig reports for a crash)."""

    @property
    def per_round(self) -> int:
        return -(-self.messages // self.rounds)


def stream(plan: Plan, rng: random.Random, run: str) -> list[Message]:
    """``plan.messages`` OTPs, each with its own id, recipient and code, mixed transports."""
    codes = rng.sample(range(100_000, 1_000_000), plan.messages)
    return [Message(f"stop-{run}-{n}", f"0813{n:07d}", f"Kode OTP {code}",
                    TRANSPORTS[n % 3] if n < 3 else rng.choice(TRANSPORTS), n)
            for n, code in enumerate(codes)]  # fmt: skip


def delivered(sim: ModemSim) -> Counter[str]:
    """How often each recipient got a message (complete lines only)."""
    try:
        raw = sim.deliveries_path.read_text("utf-8")
    except FileNotFoundError:
        return Counter()
    return Counter(recipient_key(json.loads(line)["to"]) for line in raw.split("\n")[:-1] if line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """``otp-broker serve`` on one data directory and one fixed HTTP port, restartable."""

    def __init__(self, tmp: Path, port: int) -> None:
        self.data_dir, self.port, self.log = tmp / "data", port, tmp / "serve.log"
        runtime = tmp / "run"
        runtime.mkdir(exist_ok=True)
        self.env = {**os.environ, "OTP_BROKER_RUNTIME_DIR": str(runtime)}
        self.process: subprocess.Popen[str] | None = None

    def configure(self, ports: list[str], settings: dict[str, object]) -> float:
        """Modems, the API user, ``settings``; returns the broker's stop bound."""
        store = ConfigStore(self.data_dir)
        try:
            for index, port in enumerate(ports):
                store.add("modems", {"name": f"sim {index}", "port": port,
                                     "default_modem": True, **NO_PACING})  # fmt: skip
            store.update_settings({**{key: 0 for key in RATE_LIMIT_KEYS}, **settings})
            user = store.add("api_users", {"username": API_USER[0]})
            store.set_password("api_users", user["id"], API_USER[1])
            return Broker.stop_bound(SimpleNamespace(settings=store))  # type: ignore[arg-type]
        finally:
            store.close()

    def start(self) -> None:
        """Start and wait (60 s at most) until its front listens."""
        argv = [str(BIN), "--data-dir", str(self.data_dir), "serve", "--host", "127.0.0.1",
                "--http-port", str(self.port)]  # fmt: skip
        with self.log.open("a") as errors:
            self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors,
                                            text=True, env=self.env)  # fmt: skip
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        assert " serving on " in line, f"serve did not start: {self.log.read_text()[-2000:]}"
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def stop(self, signum: int, bound: float) -> StopRecord:
        """Send ``signum``; wait for the exit (SIGKILL after ``bound`` + 30 s): how it ended."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(bound + 30)
            killed = False
        except subprocess.TimeoutExpired:
            self.process.kill()
            code, killed = self.process.wait(10), True
        return StopRecord(time.monotonic() - began, code, killed)

    def kill(self) -> None:
        """SIGKILL if still running (clean-up after a failure)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class StopRig:
    """The modem bank, serve, the feeders' queue and topic, and the clients."""

    def __init__(self, tmp: Path, plan: Plan) -> None:
        self.plan, self.rng = plan, random.Random(plan.seed)
        run = uuid.uuid4().hex[:8]
        self.messages = stream(plan, self.rng, run)
        self.queue, self.topic = unique_queue("otpb-stop"), f"otpb-stop/{run}"
        self.client_id = f"otpb-stop-{run}"
        self.sim = ModemSim(tmp, "--delay", str(plan.send_delay), count=plan.modems)
        self.serve = ServeProcess(tmp, free_port())
        self.phase = Phase(self.serve.port)
        self.bound = self.serve.configure(self.sim.ports, {
            "sms.default_ttl_seconds": 86400,  # no OTP may expire in a long bench
            "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
            "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
            "feeders.rabbitmq.queue": self.queue, "feeders.rabbitmq.prefetch": 8,
            "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1",
            "feeders.mqtt.topic": self.topic, "feeders.mqtt.client_id": self.client_id,
        })  # fmt: skip
        self.stops: list[StopRecord] = []
        self._final_deadline = float("inf")
        self.emitter: Emitter | None = None

    def run(self) -> Report:
        """Every round, then the final serve; the report (nothing asserted here)."""
        self._prepare_brokers()
        self.emitter = Emitter(self.queue, self.topic, self._rest_client)
        self.emitter.start()
        batches = [self.messages[i : i + self.plan.per_round]
                   for i in range(0, len(self.messages), self.plan.per_round)]  # fmt: skip
        for batch in batches:
            self._round(batch)
        self.emitter.finish()
        self._final()
        return self._report()

    def _prepare_brokers(self) -> None:
        publisher = Publisher()
        try:
            publisher.channel.queue_declare(self.queue, durable=True)
        finally:
            publisher.close()
        make_session(self.client_id, self.topic)

    def _rest_client(self, message: Message) -> RestClient:
        """A client for ``message``; ten clients share a source address (an application
        server each), so the front's per-address cap is not what the rig measures."""
        n = message.index // 10
        source = f"127.1.{n // 250 % 250}.{1 + n % 250}"
        return RestClient(message, self.phase, API_USER, self.bound + 30,
                          lambda: self._final_deadline, source)  # fmt: skip

    def _round(self, batch: list[Message]) -> None:
        """Start serve, emit ``batch`` over a random window, SIGTERM at a random moment."""
        self._start()
        window = self.rng.uniform(0.5, 2.5)
        term_at = self.rng.uniform(0.1, window + 0.5)
        now = time.monotonic()
        assert self.emitter is not None
        for n, message in enumerate(batch):
            self.emitter.schedule.put((now + window * n / len(batch), message))
        time.sleep(term_at)
        self._stop(self.plan.signum)

    def _start(self) -> None:
        self.phase.set("starting")
        self.serve.start()
        self.phase.set("up")

    def _stop(self, signum: int) -> None:
        """Stop serve; the record counts the SMS that reached a handset meanwhile."""
        self.phase.set("stopping")
        before = sum(delivered(self.sim).values())
        record = self.serve.stop(signum, self.bound)
        sent = sum(delivered(self.sim).values()) - before
        self.stops.append(dataclasses.replace(record, sent=sent))
        self.phase.set("down")

    def _final(self) -> None:
        """The last serve runs until everything is delivered and answered (or time is up)."""
        self._final_deadline = time.monotonic() + self.plan.final_timeout
        self._start()
        expected = {m.key for m in self.messages}
        assert self.emitter is not None
        while time.monotonic() < self._final_deadline:
            busy = self.emitter.is_alive() or any(c.is_alive() for c in self.emitter.clients)
            if not busy and expected <= set(delivered(self.sim)) and self._queue_empty():
                break
            time.sleep(0.2)
        self._quiet()
        self._stop(signal.SIGTERM)

    def _quiet(self, seconds: float = 3.0) -> None:
        """Wait until nothing new arrives for ``seconds`` (a late copy would, by then)."""
        seen = -1
        while (now := sum(delivered(self.sim).values())) != seen:
            seen = now
            time.sleep(seconds)

    def _queue_empty(self) -> bool:
        publisher = Publisher()
        try:
            return publisher.ready(self.queue) == 0
        finally:
            publisher.close()

    def _report(self) -> Report:
        assert self.emitter is not None
        return Report(self.plan.seed, self.bound, self.messages, delivered(self.sim), self.stops,
                      self.emitter.clients, self.emitter.error, signal.Signals(self.plan.signum).name)  # fmt: skip

    def close(self) -> None:
        """Stop every process and remove the queue and the session."""
        self._final_deadline = 0.0
        if self.emitter is not None:
            self.emitter.abandon()
            self.emitter.join(15)
        self.serve.kill()
        self.sim.stop()
        publisher = Publisher()
        try:
            publisher.delete([self.queue])
        finally:
            publisher.close()
        drop_session(self.client_id)
