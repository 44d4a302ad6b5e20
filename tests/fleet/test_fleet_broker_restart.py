"""Several devices, and their RabbitMQ stopped and started again mid-stream: nothing lost.

The broker is a RabbitMQ node of the test's own (its own name, ports, data dir and cookie:
the machine's shared broker is never touched); three ``serve`` processes with two emulated
modems each consume one durable queue with the shared ledger (a Redis of the test's own).
``OTPB_FLEET_MESSAGES`` OTPs (60 in ``make test``).
"""

from __future__ import annotations

import os
from pathlib import Path

from fleet_rig import Fleet, run, stream
from rabbit_rig import OwnRabbit
from redis_rig import RedisServer

MESSAGES = int(os.environ.get("OTPB_FLEET_MESSAGES", "60"))


def test_rabbitmq_stopped_and_started_mid_stream_loses_nothing(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    rabbit = OwnRabbit(tmp_path / "rabbit")
    rabbit.start()
    try:
        fleet = Fleet(tmp_path / "fleet", 3, redis_server.url, port=rabbit.port)

        def restart() -> None:
            rabbit.stop_app()
            rabbit.start_app()

        try:
            outcome = run(fleet, stream(MESSAGES), kill_at=MESSAGES // 3, midway=restart)
        finally:
            fleet.stop()
    finally:
        rabbit.stop()
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    assert outcome.missing(ids) == [] and outcome.duplicates() == 0
    print(f"\nRabbitMQ stopped and started mid-stream, 3 devices: {len(outcome.counts)} "
          f"delivered once, 0 twice, 0 lost")  # fmt: skip
