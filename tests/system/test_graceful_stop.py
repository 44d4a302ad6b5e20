"""A graceful stop loses nothing and sends nothing twice: 300 OTPs over REST, RabbitMQ and
MQTT while ``otp-broker serve`` gets SIGTERM at random moments in 20 rounds, restarted each
time on the same data directory and the same emulated modems (``stop_rig.py``).

Asserted: every OTP delivered exactly once (counted by its own recipient on the emulated
handsets), every REST client got a definite answer (a hang or a request cut by a stop is a
failure; a refused connection while serve is down is retried with the same id), each stop
within the broker's bound, exit code 0. The stop times and counts are printed with the seed
(``OTPB_STOP_SEED`` repeats its random choices). ``scripts/bench/bench_stop.py`` runs the same rig at
full size.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))

from amqp_tools import rabbitmq_available
from mqtt_tools import mosquitto_available
from stop_rig import Plan, StopRig


def test_sigterm_in_20_rounds_loses_nothing_and_sends_nothing_twice(tmp_path):
    if not rabbitmq_available() or not mosquitto_available():
        pytest.skip("needs RabbitMQ on 127.0.0.1:5672 and Mosquitto on 127.0.0.1:1883")
    seed = int(os.environ.get("OTPB_STOP_SEED") or random.SystemRandom().randrange(10**6))
    rig = StopRig(tmp_path, Plan(messages=300, rounds=20, modems=3, send_delay=0.2, seed=seed))
    try:
        report = rig.run()
    finally:
        rig.close()
    figures = "\n".join(report.lines())
    print("\n" + figures)
    assert report.violations() == [], f"OTPB_STOP_SEED={seed} repeats its random choices\n{figures}"
