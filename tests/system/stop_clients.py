"""The clients of the graceful-stop rig (``stop_rig.py``): REST clients that retry with the
same id until they get a final answer, and one emitter that hands each message of the
stream to its transport (a REST client, a RabbitMQ queue or an MQTT topic) at its time.

A REST client retries on answers that say "nothing was done, try later" (1101, 1108, 1109,
1110, 1112, 409 while a copy is in progress) and on a refused or cut connection; every
attempt is recorded with the serve phase it started in, so a cut or a hang can be told from
a refusal while serve is down.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import queue
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))

from amqp_tools import Publisher
from mqtt_tools import MqttPublisher

#: Codes that end a REST client's story: sent, unknown, expired, failed.
FINAL_CODES = frozenset({"0000", "1103", "1104", "1102"})
#: Codes that say nothing was done (or a copy is still in progress): ask again later.
RETRY_CODES = frozenset({"1101", "1106", "1108", "1109", "1110", "1112", "1205"})


def recipient_key(number: str) -> str:
    """A number as the handsets' record has it (international digits, no '+')."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "62" + digits[1:] if digits.startswith("0") else digits


@dataclass(frozen=True)
class Message:
    """One OTP of the stream: its id, its own recipient, its transport."""

    id: str
    msisdn: str
    text: str
    transport: str  # "rest", "amqp" or "mqtt"
    index: int = 0  # its place in the stream

    @property
    def key(self) -> str:
        """Its recipient as the handsets' record has it."""
        return recipient_key(self.msisdn)

    def command(self) -> dict[str, Any]:
        """The ``send-sms`` command every transport carries."""
        return {"command": "send-sms",
                "data": {"id": self.id, "msisdn": self.msisdn, "message": self.text}}  # fmt: skip


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt: the serve phase when it began and what came of it."""

    phase: str  # "starting", "up", "stopping" or "down"
    outcome: str  # "answer", "refused", "cut", "timeout"
    status: int = 0
    code: str = ""
    ended: str = ""  # the phase when it ended

    @property
    def label(self) -> str:
        """E.g. ``200 0000 (up>stopping)``: what came, and the phases it spanned."""
        what = f"{self.status} {self.code}" if self.outcome == "answer" else self.outcome
        span = self.phase if self.ended in ("", self.phase) else f"{self.phase}>{self.ended}"
        return f"{what} ({span})"


@dataclass
class Phase:
    """Where serve is: ``starting``, ``up`` (serving), ``stopping`` (signalled) or
    ``down``; and the port its front listens on."""

    port: int
    state: str = "down"
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, state: str) -> None:
        with self._lock:
            self.state = state

    def get(self) -> str:
        with self._lock:
            return self.state


class RestClient(threading.Thread):
    """Sends one message over REST, retrying with the same id until a final answer or
    ``deadline`` (monotonic); ``attempts`` and ``final`` tell what happened."""

    def __init__(self, message: Message, phase: Phase, auth: tuple[str, str], timeout: float,
                 deadline: Callable[[], float], source: str = "127.0.0.1") -> None:  # fmt: skip
        super().__init__(name=f"rest-{message.id}", daemon=True)
        self.message, self.phase, self.timeout, self.deadline = message, phase, timeout, deadline
        self.source = source
        self.jitter = random.Random(message.id)  # retries spread out, as real clients' are
        self.auth = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        self.attempts: list[Attempt] = []
        self.final: Attempt | None = None

    def run(self) -> None:
        body = json.dumps(self.message.command()).encode()
        while time.monotonic() < self.deadline():
            attempt, wait = self._attempt(body)
            attempt = dataclasses.replace(attempt, ended=self.phase.get())
            self.attempts.append(attempt)
            if wait is None:
                self.final = attempt
                return
            time.sleep(wait)

    def _attempt(self, body: bytes) -> tuple[Attempt, float | None]:
        """One POST; the attempt and how long to wait before the next (None: final)."""
        phase = self.phase.get()
        conn = http.client.HTTPConnection("127.0.0.1", self.phase.port, timeout=self.timeout,
                                          source_address=(self.source, 0))  # fmt: skip
        later = self.jitter.uniform(0.3, 1.0)
        try:
            conn.request("POST", "/api/sms", body=body, headers={
                "Authorization": self.auth, "Content-Type": "application/json"})  # fmt: skip
            response = conn.getresponse()
            raw, retry_after = response.read(), response.getheader("Retry-After")
        except ConnectionRefusedError:
            return Attempt(phase, "refused"), later
        except TimeoutError:
            return Attempt(phase, "timeout"), later
        except (ConnectionError, http.client.HTTPException, OSError):
            return Attempt(phase, "cut"), later
        finally:
            conn.close()
        return _answered(phase, response.status, raw, retry_after)


def _answered(
    phase: str, status: int, raw: bytes, retry_after: str | None
) -> tuple[Attempt, float | None]:
    """An answer: final, or retried after its ``Retry-After`` (at most 1 s: the rig
    restarts serve far sooner than a device would)."""
    try:
        code = str(json.loads(raw).get("response_code", ""))
    except (ValueError, AttributeError):
        code = ""
    attempt = Attempt(phase, "answer", status, code)
    if code in FINAL_CODES:
        return attempt, None
    if code in RETRY_CODES or status in (502, 503, 504):
        try:
            return attempt, min(max(float(retry_after or 0.3), 0.1), 1.0)
        except ValueError:
            return attempt, 0.3
    return attempt, None  # anything else (400, 401, ...) is a final, unexpected answer


class Emitter(threading.Thread):
    """Hands each scheduled message to its transport at its time, in order; RabbitMQ is
    published from this thread only (a pika connection belongs to one thread)."""

    def __init__(self, queue_name: str, topic: str,
                 rest: Callable[[Message], RestClient]) -> None:  # fmt: skip
        super().__init__(name="stop-rig-emitter", daemon=True)
        self.queue_name, self.topic, self.rest = queue_name, topic, rest
        self.schedule: queue.Queue[tuple[float, Message] | None] = queue.Queue()
        self.clients: list[RestClient] = []
        self.error: Exception | None = None
        self._abandoned = threading.Event()
        self.amqp = Publisher()
        self.mqtt = MqttPublisher()

    def run(self) -> None:
        try:
            while (item := self._next()) is not None:
                due, message = item
                while (left := due - time.monotonic()) > 0 and not self._abandoned.is_set():
                    self.amqp.connection.sleep(min(left, 0.5))  # keeps its heartbeats
                if self._abandoned.is_set():
                    return
                self._emit(message)
        except Exception as exc:  # reported by the rig as a violation
            self.error = exc
        finally:
            self.amqp.close()
            self.mqtt.close()

    def _next(self) -> tuple[float, Message] | None:
        while True:
            try:
                return self.schedule.get(timeout=0.5)
            except queue.Empty:
                self.amqp.connection.process_data_events(0)

    def _emit(self, message: Message) -> None:
        if message.transport == "amqp":
            self.amqp.publish(self.queue_name, message.command())
        elif message.transport == "mqtt":
            self.mqtt.publish(self.topic, message.command())
        else:
            client = self.rest(message)
            self.clients.append(client)
            client.start()

    def finish(self) -> None:
        """No more messages: end once the scheduled ones are out."""
        self.schedule.put(None)

    def abandon(self) -> None:
        """End now, whatever is still scheduled (the rig is closing)."""
        self._abandoned.set()
        self.schedule.put(None)
