"""Several devices, one RabbitMQ queue: real ``serve`` processes with emulated modems.

- throughput with 1, 2 and 3 devices, printed side by side (never asserted on time);
- one device killed with SIGKILL mid-stream and started again: with the shared ledger
  (a Redis of the test's own) nothing is lost and nothing is sent twice; without it the
  duplicates are measured and stay within the killed device's in-flight messages (its
  prefetch).

``OTPB_FLEET_MESSAGES`` OTPs per run: 60 in ``make test``, 1,000 in ``make bench``
(``scripts/bench/bench_fleet.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from amqp_tools import rabbitmq_available
from fleet_rig import PREFETCH, SMS_SECONDS, Fleet, Outcome, run, stream
from redis_rig import RedisServer

pytestmark = pytest.mark.skipif(not rabbitmq_available(), reason="no RabbitMQ on 5672")
MESSAGES = int(os.environ.get("OTPB_FLEET_MESSAGES", "60"))


def fleet_run(root: Path, devices: int, ledger_url: str | None, kill: bool) -> Outcome:
    fleet = Fleet(root, devices, ledger_url)
    try:
        return run(fleet, stream(MESSAGES), kill_at=MESSAGES // 3 if kill else None)
    finally:
        fleet.stop()


def test_throughput_grows_with_the_devices(tmp_path: Path) -> None:
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    rates = {}
    for devices in (1, 2, 3):
        outcome = fleet_run(tmp_path / f"n{devices}", devices, None, kill=False)
        assert outcome.missing(ids) == [] and outcome.duplicates() == 0
        rates[devices] = MESSAGES / outcome.seconds
    each = 2 / SMS_SECONDS  # two modems per device
    print(f"\n{MESSAGES} OTPs, 2 emulated modems per device ({SMS_SECONDS:g} s per SMS, at "
          f"most {each:g}/s per device): " + ", ".join(
              f"{n} device{'s' * (n > 1)} {rate:.1f}/s ({rate / rates[1]:.2f}x)"
              for n, rate in rates.items()))  # fmt: skip


def test_a_killed_device_loses_nothing_and_sends_nothing_twice_with_the_shared_ledger(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    outcome = fleet_run(tmp_path, 3, redis_server.url, kill=True)
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    assert outcome.duplicates() == 0
    # Killed between its ledger record and its PDU: possibly sent, never resent (at most
    # one per modem of the killed device); anything else missing is lost.
    lost = [i for i in outcome.missing(ids) if i not in outcome.unknown]
    assert lost == [] and len(outcome.missing(ids)) <= 2
    print(f"\nshared ledger, 3 devices, one killed: {len(outcome.counts)} delivered once, "
          f"0 twice, {len(outcome.missing(ids))} unknown, 0 lost")  # fmt: skip


def test_without_the_shared_ledger_duplicates_stay_within_the_in_flight_bound(
    tmp_path: Path,
) -> None:
    outcome = fleet_run(tmp_path, 3, None, kill=True)
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    lost = [i for i in outcome.missing(ids) if i not in outcome.unknown]
    assert lost == []
    assert outcome.duplicates() <= PREFETCH  # the killed device's unacknowledged messages
    print(f"\nno shared ledger, 3 devices, one killed: {outcome.duplicates()} sent twice "
          f"(bound: prefetch {PREFETCH}), {len(outcome.missing(ids))} unknown, 0 lost")  # fmt: skip
