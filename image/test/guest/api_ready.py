#!/usr/bin/env python3
"""Print the guest's uptime (s since power-on) when the broker's API first answers (test-only)."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8888/api/openapi.json"


def uptime() -> float:
    """Seconds since the kernel started."""
    with open("/proc/uptime", encoding="ascii") as handle:
        return float(handle.read().split()[0])


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
                    print(f"{uptime():.1f} {note}")
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        first = False
        time.sleep(0.2)
    print(f"API not ready after {timeout:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
