#!/usr/bin/env python3
"""Write the guest's uptime (s since power-on) when the broker's API first answers (test-only).

Usage: api_ready.py TIMEOUT [OUTPUT]; without OUTPUT the result goes to stdout."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8888/api/openapi.json"


def uptime() -> float:
    """Seconds since the kernel started."""
    with open("/proc/uptime", encoding="ascii") as handle:
        return float(handle.read().split()[0])


def report(text: str) -> None:
    """Print the result, or write it to the OUTPUT file (atomically: readers poll it)."""
    if len(sys.argv) < 3:
        print(text)
        return
    with open(sys.argv[2] + ".tmp", "w", encoding="ascii") as handle:
        handle.write(text + "\n")
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])


def main() -> int:
    """Poll until the API answers 200 or the time-out (argv[1], s) passes."""
    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 300
    first = True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(URL, timeout=3) as response:
                if response.status == 200:
                    note = "already up when first asked" if first else "first answer"
                    report(f"{uptime():.1f} {note}")
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        first = False
        time.sleep(0.2)
    report(f"API not ready after {timeout:.0f} s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
