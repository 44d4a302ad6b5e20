"""No OTP lost and none sent twice when ``serve`` is killed with SIGKILL mid-stream.

``otp-broker serve`` runs as a real process fed by a real RabbitMQ queue or MQTT topic;
the modems are ``otp-broker modem-sim`` in a process of their own (they outlive the crash
and record every delivery). ``serve`` is killed twice while it works through the stream and
restarted each time: the broker redelivers what was not acknowledged, and the send ledger
keeps every message that went (or may have gone) out from going out again.

The stream has ``OTPB_CRASH_MESSAGES`` messages: 150 in ``make test``, 300 in ``make bench``
(``scripts/bench/bench_crash.py``).
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from amqp_tools import Publisher, unique_queue
from crash_rig import ModemSim, Serve, crash_twice, ledger_states
from mqtt_tools import MqttPublisher, drop_session
from mqtt_tools import make_session as subscribe_once

from otpbroker.feeders.redelivery import RedeliveryGuard, runtime_key

MESSAGES = int(os.environ.get("OTPB_CRASH_MESSAGES", "150"))
TIMEOUT = 60.0


def stream(count: int, with_ids: bool = True) -> list[dict[str, Any]]:
    """``count`` OTPs, each with its own code (and id)."""
    codes = random.Random(16).sample(range(100_000, 1_000_000), count)
    messages = [{"command": "send-sms", "data": {"msisdn": "08126666666",
                 "message": f"Kode OTP {code}"}} for code in codes]  # fmt: skip
    if with_ids:
        for n, message in enumerate(messages):
            message["data"]["id"] = f"crash-{n}"
    return messages


def ledger_key(serve: Serve, message: dict[str, Any]) -> str:
    """The key ``message`` is recorded under: its id, or its keyed digest."""
    if "id" in message["data"]:
        return f"sms:{message['data']['id']}"
    key = runtime_key(serve.env["OTP_BROKER_RUNTIME_DIR"])
    digest = RedeliveryGuard(key).digest(message)
    assert digest is not None
    return digest


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["data"]["message"] for m in messages]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[ModemSim, Serve]]:
    """Two emulated modems (0.05 s per SMS) and a configured, not yet started serve."""
    runtime = tmp_path / "run"
    runtime.mkdir()
    sim = ModemSim(tmp_path, "--delay", "0.05", count=2)
    serve = Serve(tmp_path / "data", runtime)
    try:
        yield sim, serve
    finally:
        serve.stop()
        sim.stop()


def assert_none_lost_none_twice(
    counts: Counter[str], serve: Serve, messages: list[dict[str, Any]]
) -> None:
    """No text delivered twice; every text delivered, except one the ledger holds as
    possibly sent (killed between its ``sending`` record and its PDU: ``unknown``, never
    resent); no OTP code in the ledger file."""
    assert [text for text, n in counts.items() if n > 1] == []  # 0 duplicates
    states = ledger_states(serve.data_dir)
    missing = [ledger_key(serve, m) for m in messages if m["data"]["message"] not in counts]
    assert {key: states.get(key) for key in missing} == dict.fromkeys(missing, "sending")
    assert len(missing) <= 2 * 2  # at most one per modem and kill
    print(f"\n{len(messages)} messages: {len(counts)} delivered once, 0 twice, "
          f"{len(missing)} unknown (killed between the ledger record and the PDU)")  # fmt: skip
    # Only keys (ids or 64-hex digests), states and times: no text, no code, no number.
    # (A 6-digit code may well occur inside a hex digest or a time by chance: the shape of
    # every record is checked instead of searching for the codes.)
    ledger = (serve.data_dir / "send-ledger.log").read_text()
    assert "Kode" not in ledger and "8126666666" not in ledger
    key = re.compile(r"sms:crash-\d+|digest:[0-9a-f]{64}")
    for line in ledger.splitlines():
        record = json.loads(line.split(" ", 1)[1])
        assert sorted(record) == ["k", "s", "t"] and key.fullmatch(record["k"]), line
        assert record["s"] in ("sending", "sent") and isinstance(record["t"], float), line


@pytest.mark.parametrize("with_ids", [True, False], ids=["ids", "id-less"])
def test_rabbitmq_two_sigkills_lose_nothing_and_send_nothing_twice(rig, with_ids):
    sim, serve = rig
    queue = unique_queue("otpb-crash")
    serve.configure(sim.ports, {
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": queue, "feeders.rabbitmq.prefetch": 16,
    })  # fmt: skip
    messages = stream(MESSAGES, with_ids)
    publisher = Publisher()
    try:
        publisher.channel.queue_declare(queue, durable=True)
        for message in messages:
            publisher.publish(queue, message)
        serve.start()
        counts = crash_twice(sim, serve, texts(messages), (MESSAGES // 4, MESSAGES // 2), TIMEOUT)
    finally:
        publisher.delete([queue])
        publisher.close()
    assert_none_lost_none_twice(counts, serve, messages)


def test_mqtt_two_sigkills_lose_nothing_and_send_nothing_twice(rig):
    sim, serve = rig
    topic = f"otpb-crash/{uuid.uuid4().hex[:8]}"
    client_id = f"otpb-crash-{uuid.uuid4().hex[:8]}"
    serve.configure(sim.ports, {
        "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1",
        "feeders.mqtt.topic": topic, "feeders.mqtt.client_id": client_id,
    })  # fmt: skip
    messages = stream(MESSAGES)
    publisher = MqttPublisher()
    subscribe_once(client_id, topic)
    try:
        for message in messages:
            publisher.publish(topic, message)
        serve.start()
        counts = crash_twice(sim, serve, texts(messages), (MESSAGES // 4, MESSAGES // 2), TIMEOUT)
    finally:
        publisher.close()
        serve.stop()
        drop_session(client_id)
    assert_none_lost_none_twice(counts, serve, messages)
