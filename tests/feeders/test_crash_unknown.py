"""SIGKILL between the Ctrl-Z and the ``+CMGS``: the message ends ``unknown``, never resent.

The emulated modem takes 6 s from the PDU to ``+CMGS`` (its own process: the "network"
sends the SMS whatever happens to ``serve``). ``serve`` is killed while the PDU is written
and unanswered, then restarted; RabbitMQ redelivers the unacknowledged message, which is
answered from the send ledger (``1103``, ``data.duplicate``, state ``unknown``) and
acknowledged without a second send.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pika
from amqp_tools import Publisher, unique_queue
from crash_rig import ModemSim, Serve, ledger_states, wait_until

SEND_DELAY = 6.0


def replies(publisher: Publisher, queue: str) -> list[dict[str, object]]:
    """Every reply waiting in ``queue`` (taken)."""
    found = []
    while True:
        method, _properties, body = publisher.channel.basic_get(queue, auto_ack=True)
        if method is None:
            return found
        found.append(json.loads(body))


def test_a_kill_while_the_pdu_waits_for_its_cmgs_leaves_it_unknown_and_never_resent(
    tmp_path: Path,
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    sim = ModemSim(tmp_path, "--delay", str(SEND_DELAY))
    serve = Serve(tmp_path / "data", runtime)
    queue, reply_queue = unique_queue("otpb-cut"), unique_queue("otpb-cut-replies")
    publisher = Publisher()
    try:
        serve.configure(sim.ports, {
            "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
            "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
            "feeders.rabbitmq.queue": queue,
        })  # fmt: skip
        publisher.channel.queue_declare(queue, durable=True)
        publisher.channel.queue_declare(reply_queue, durable=True)
        message = {"command": "send-sms",
                   "data": {"id": "cut-1", "msisdn": "08126666666", "message": "Kode 640213"}}  # fmt: skip
        publisher.channel.basic_publish(
            "", queue, json.dumps(message), pika.BasicProperties(reply_to=reply_queue)
        )
        serve.start()
        wait_until(lambda: "sms:cut-1" in ledger_states(serve.data_dir), 30, "the sending record")
        time.sleep(1.0)  # AT+CMGS, the prompt, the PDU and Ctrl-Z: now it waits for +CMGS
        assert sim.texts() == []
        serve.kill()
        serve.start()
        found: list[dict[str, object]] = []

        def answered() -> bool:
            found.extend(replies(publisher, reply_queue))
            return bool(found)

        wait_until(answered, 30, "the redelivery's reply")
        wait_until(lambda: len(sim.texts()) >= 1, SEND_DELAY + 10, "the network's delivery")
        time.sleep(2.0)  # a resend would come within this
        assert sim.texts() == ["Kode 640213"]  # sent once, by the first run
        [reply] = found
        assert reply["response_code"] == "1103"
        assert reply["data"]["duplicate"] is True and reply["data"]["state"] == "unknown"
        assert ledger_states(serve.data_dir)["sms:cut-1"] == "sending"  # = unknown
        assert "640213" not in (serve.data_dir / "send-ledger.log").read_text()
    finally:
        serve.stop()
        sim.stop()
        publisher.delete([queue, reply_queue])
        publisher.close()
