"""The fleet scenarios at full size: 1,000 OTPs over 1, 2 and 3 devices.

Runs ``tests/fleet/test_fleet_rabbitmq.py``, ``test_fleet_broker_restart.py`` and
``test_fleet_mqtt.py`` with 1,000 messages per run (``make test`` runs them with 60) and
prints their figures: throughput side by side, what a SIGKILL of one device mid-stream
gives with and without the shared ledger, RabbitMQ and Mosquitto restarted mid-stream.
Fails only when a message was lost or sent twice where that is asserted, never on time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MESSAGES = 1000
FILES = ("test_fleet_rabbitmq.py", "test_fleet_broker_restart.py", "test_fleet_mqtt.py")


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "OTPB_FLEET_MESSAGES": str(MESSAGES)}
    print(f"fleet: {MESSAGES} OTPs per run, devices with 2 emulated modems each")
    command = [sys.executable, "-m", "pytest", "-q", "-s", "--durations=0", "-p",
               "no:cacheprovider", *(f"tests/fleet/{name}" for name in FILES)]  # fmt: skip
    return subprocess.run(command, env=env, cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
