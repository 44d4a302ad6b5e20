#!/usr/bin/env python3
"""Test agent inside the QEMU guest (boot test only, never part of the image).

Reads one JSON request per line from the virtio-serial port ``otpb.test`` and answers one JSON
line: ``{"id", "rc", "stdout", "stderr"}`` for ``{"id", "argv", "timeout", "input"}``.
Started by the kernel command line of the test (systemd.run), from a separate test disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

PORT = "/dev/virtio-ports/otpb.test"


def run(request: dict) -> dict:
    """Run one command and describe its outcome."""
    try:
        done = subprocess.run(
            request["argv"],
            input=request.get("input", ""),
            capture_output=True,
            text=True,
            timeout=request.get("timeout", 60),
            check=False,
        )
        return {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    except subprocess.TimeoutExpired as exc:
        return {"rc": -1, "stdout": str(exc.stdout or ""), "stderr": f"timeout: {exc}"}
    except OSError as exc:
        return {"rc": -2, "stdout": "", "stderr": f"cannot run: {exc}"}


WRITE_LOCK = threading.Lock()


def serve(port: object, request: dict) -> None:
    """Run one request (each in its own thread, so a slow command blocks no other)."""
    answer = run(request)
    answer["id"] = request.get("id")
    with WRITE_LOCK:
        port.write(json.dumps(answer).encode() + b"\n")


def wait_for_port(seconds: float) -> None:
    """udev names the port; on a busy boot that can come after the agent starts."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(PORT) and time.monotonic() < deadline:
        time.sleep(0.5)


def main() -> None:
    """Serve requests until the port closes."""
    wait_for_port(300)
    with open(PORT, "r+b", buffering=0) as port:
        buffered = b""
        while True:
            chunk = port.read(4096)
            if not chunk:
                continue
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                try:
                    request = json.loads(line)
                except ValueError:
                    continue
                threading.Thread(target=serve, args=(port, request), daemon=True).start()


if __name__ == "__main__":
    main()
