"""The fleet scenarios at full size: 1,000 OTPs over 1, 2 and 3 devices on one RabbitMQ queue.

Runs ``tests/fleet/test_fleet_rabbitmq.py`` with 1,000 messages per run (``make test`` runs it
with 60) and prints its figures: throughput side by side, and what a SIGKILL of one device
mid-stream gives with and without the shared ledger. Fails only when a message was lost or
sent twice (with the shared ledger) or beyond the in-flight bound (without), never on time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MESSAGES = 1000


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "OTPB_FLEET_MESSAGES": str(MESSAGES)}
    print(f"fleet: {MESSAGES} OTPs per run, devices with 2 emulated modems each")
    command = [sys.executable, "-m", "pytest", "-q", "-s", "--durations=0", "-p",
               "no:cacheprovider", "tests/fleet/test_fleet_rabbitmq.py"]  # fmt: skip
    return subprocess.run(command, env=env, cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
