"""Several devices, and their RabbitMQ stopped and started again mid-stream: nothing lost.

The broker is a RabbitMQ node of the test's own (its own name, ports, data dir and cookie:
the machine's shared broker is never touched; its management API gives the fleet page's
consumer list); three ``serve`` processes with two emulated
modems each consume one durable queue with the shared ledger (a Redis of the test's own).
``OTPB_FLEET_MESSAGES`` OTPs (60 in ``make test``).
"""

from __future__ import annotations

import os
from pathlib import Path

from crash_rig import wait_until
from fleet_rig import Fleet, run, stream
from rabbit_rig import OwnRabbit
from redis_rig import RedisServer

from otpbroker.fleet.rabbit_consumers import ManagementConsumers
from otpbroker.services.fleet_names import device_of

MESSAGES = int(os.environ.get("OTPB_FLEET_MESSAGES", "60"))


def test_rabbitmq_stopped_and_started_mid_stream_loses_nothing(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    rabbit = OwnRabbit(tmp_path / "rabbit")
    rabbit.start()
    try:
        fleet = Fleet(tmp_path / "fleet", 3, redis_server.url, port=rabbit.port)

        listed: list[str] = []

        def check_consumers() -> None:
            # The fleet page's consumer list (the node's management API, whose figures lag
            # a few seconds behind the broker): every device consumes the queue.
            consumers = ManagementConsumers(rabbit.management_url, "guest", "guest")

            def ours() -> list[str]:
                return [c.consumer for c in consumers.consumers() if c.queue == fleet.queue]

            wait_until(lambda: len(ours()) == 3, 60, "three consumers in the management API")
            listed.extend(ours())

        def restart() -> None:
            rabbit.stop_app()
            rabbit.start_app()

        try:
            outcome = run(
                fleet,
                stream(MESSAGES),
                kill_at=MESSAGES // 3,
                midway=restart,
                ready=check_consumers,
            )
        finally:
            fleet.stop()
    finally:
        rabbit.stop()
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    assert outcome.missing(ids) == [] and outcome.duplicates() == 0
    assert len(listed) == 3  # three devices consumed the queue
    # each consumer's connection names its device, as the fleet page shows it
    assert sorted(device_of(name) for name in listed) == [d.name for d in fleet.devices]
    print(f"\nRabbitMQ stopped and started mid-stream, 3 devices: {len(outcome.counts)} "
          f"delivered once, 0 twice, 0 lost")  # fmt: skip
