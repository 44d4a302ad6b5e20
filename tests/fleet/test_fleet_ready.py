"""``/health/ready`` with the shared ledger on (``fleet.enabled``) and its store unreachable:
a running Broker (one emulated modem) stays ready (sending goes on with this device's own
ledger), and the answer says so in a note that names no store, port or URL; the note goes
when the store answers again (a Redis of the test's own)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis_rig import RedisServer, free_port

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness, running_broker
from waiting import wait_until

from otpbroker.services.shared_ledger import UNREACHABLE_NOTE

WAIT = 60.0  # generous: the heartbeat thread asks the store every 10 s
NOTE = {"about": "shared_ledger", "state": "unreachable", "reason": UNREACHABLE_NOTE.reason}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data", with_user=True)


def ready(h: BrokerHarness) -> tuple[int, dict[str, Any]]:
    """``/health/ready`` without credentials: status and body."""
    status, body, _headers = h.request("/health/ready", method="GET", auth=None)
    return status, body


def test_an_unreachable_ledger_is_a_note_and_the_device_stays_ready(
    harness: BrokerHarness, redis_server: RedisServer
):
    status, body = ready(harness)
    assert status == 200 and "notes" not in body["data"]  # the fleet is off
    closed = free_port()  # nothing listens there
    harness.broker.store.update_settings({
        "fleet.enabled": True, "fleet.device_name": "pi-ready",
        "fleet.ledger_url": f"redis://127.0.0.1:{closed}/0",
    })  # fmt: skip
    noted = wait_until(lambda: "notes" in ready(harness)[1]["data"], WAIT, step=0.5)
    assert noted, ready(harness)
    status, body = ready(harness)
    assert (status, body["response_code"], body["data"]["status"]) == (200, "0000", "ready")
    assert body["data"]["notes"] == [NOTE]
    assert str(closed) not in json.dumps(body) and "redis" not in json.dumps(body)
    sent = harness.send_sms("08127777777", "Kode 551234", "ready-1")
    assert sent[0] == 200 and sent[1]["response_code"] == "0000", sent  # sending goes on

    harness.broker.store.update_settings({"fleet.ledger_url": redis_server.url})
    cleared = wait_until(lambda: "notes" not in ready(harness)[1]["data"], WAIT, step=0.5)
    assert cleared, ready(harness)
    assert ready(harness)[0] == 200
