"""The crash scenario at full size: 300 OTPs, ``serve`` killed with SIGKILL twice mid-stream.

Runs ``tests/feeders/test_crash_no_duplicate.py`` with 300 messages per stream (``make test``
runs it with 150): RabbitMQ with and without ids, and MQTT, each must end with 0 lost and
0 duplicates. Prints pytest's summary with the time of each case; fails only when a message
was lost or sent twice, never on time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MESSAGES = 300


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "OTPB_CRASH_MESSAGES": str(MESSAGES)}
    print(f"crash scenario: {MESSAGES} OTPs per stream, serve killed twice (SIGKILL)")
    command = [sys.executable, "-m", "pytest", "-q", "--durations=0", "-p", "no:cacheprovider",
               "tests/feeders/test_crash_no_duplicate.py"]  # fmt: skip
    return subprocess.run(command, env=env, cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
