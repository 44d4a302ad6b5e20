"""Benchmark the flash writes per SMS: what ``serve`` writes to the data directory.

A real ``otp-broker serve`` (emulated modem in its own process, zero delay) sends N SMS
through the REST API twice: without ids (only the SIM's counts are written) and with ids
(the counts, plus ``sending`` and the outcome in the send ledger, each fsynced). Printed
per SMS: bytes the process caused to be written to the storage layer (``/proc/<pid>/io``
``write_bytes``), write syscalls (``syscw``), fsyncs (counted by ``strace -c`` when
installed) and the ledger file's growth. Figures only.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore

BIN = Path(sys.executable).with_name("otp-broker")
ROOMY_PACING = {"min_gap_seconds": 0, "gap_jitter_seconds": 0, "max_per_hour": 100_000,
                "max_per_day": 1_000_000, "max_recipients_per_month": 1_000_000}  # fmt: skip
PASSWORD = "bench-ledger-pass"  # noqa: S105 - a throw-away API user of the benchmark


def io_counters(pid: int) -> dict[str, int]:
    """``/proc/<pid>/io`` as numbers."""
    text = Path(f"/proc/{pid}/io").read_text()
    return {name: int(value) for name, value in re.findall(r"(\w+): (\d+)", text)}


def start(work: Path) -> tuple[subprocess.Popen[str], subprocess.Popen[str], str]:
    """modem-sim and serve (one API user, one modem); serve's base URL."""
    sim = subprocess.Popen([str(BIN), "modem-sim", "--count", "1", "--delay", "0"],
                           stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert sim.stdout is not None
    port = sim.stdout.readline().split()[0]
    data = work / "data"
    subprocess.run([str(BIN), "--data-dir", str(data), "api-user", "add", "bench",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True,
                   capture_output=True)  # fmt: skip
    store = ConfigStore(data)
    # A paced SIM, as the device ships, with caps far above the run (its counts are written
    # per send like on a device), and no anti-pumping rate limit: one number gets them all.
    store.add("modems", {"name": "sim", "port": port, "default_modem": True, **ROOMY_PACING})
    store.update_settings({key: 0 for key in RATE_LIMIT_KEYS})
    store.close()
    env = {**os.environ, "OTP_BROKER_RUNTIME_DIR": str(work)}
    serve = subprocess.Popen(
        [str(BIN), "--data-dir", str(data), "serve", "--host", "127.0.0.1", "--http-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert serve.stdout is not None
    url = serve.stdout.readline().strip().rsplit(" ", 1)[1]
    return sim, serve, url


def warm_up(url: str, seconds: float = 30.0) -> None:
    """One send once the modem is ready (1101 until then): the first writes are done."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            send(url, None)
            return
        except SystemExit:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def send(url: str, message_id: str | None) -> None:
    """One send-sms through the REST API; waits for the outcome."""
    data: dict[str, object] = {"msisdn": "08126666666", "message": "Kode OTP 482913"}
    if message_id is not None:
        data["id"] = message_id
    token = base64.b64encode(f"bench:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 from serve
        url + "/api/sms", json.dumps({"command": "send-sms", "data": data}).encode(),
        {"Content-Type": "application/json", "Authorization": f"Basic {token}"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            body = json.load(answer)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    if body["response_code"] != "0000":
        raise SystemExit(f"send failed: {body}")


def fsyncs(pid: int, count: int, url: str, ids: bool) -> int | None:
    """fsync/fdatasync calls of ``serve`` during ``count`` sends (None without strace)."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    with tempfile.NamedTemporaryFile(prefix="bench-ledger-strace-", delete=False) as file:
        out = Path(file.name)
    tracer = subprocess.Popen([strace, "-f", "-c", "-e", "trace=fsync,fdatasync", "-o",
                               str(out), "-p", str(pid)], stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.0)  # attached to every thread
    for n in range(count):
        send(url, f"strace-{n}" if ids else None)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(30)
    rows = [line.split() for line in out.read_text().splitlines()]
    calls = sum(int(row[3]) for row in rows if row and row[-1] in ("fsync", "fdatasync"))
    out.unlink()
    return calls


def measure(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        work = Path(tmp)
        sim, serve, url = start(work)
        ledger = work / "data" / "send-ledger.log"
        try:
            warm_up(url)
            for label, ids in (
                ("without ids (SIM counts only)", False),
                ("with ids (SIM counts and ledger)", True),
            ):
                size = ledger.stat().st_size if ledger.exists() else 0
                before = io_counters(serve.pid)
                for n in range(count):
                    send(url, f"bench-{n}" if ids else None)
                after = io_counters(serve.pid)
                grown = (ledger.stat().st_size if ledger.exists() else 0) - size
                written = (after["write_bytes"] - before["write_bytes"]) / count
                calls = (after["syscw"] - before["syscw"]) / count
                print(f"{label}: per SMS write_bytes {written:,.0f} B, syscw {calls:.1f}, "
                      f"ledger file +{grown / count:.0f} B")  # fmt: skip
                synced = fsyncs(serve.pid, min(count, 50), url, ids)
                if synced is not None:
                    print(f"  fsync+fdatasync per SMS (strace -c, {min(count, 50)} SMS): "
                          f"{synced / min(count, 50):.2f}")  # fmt: skip
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
            sim.send_signal(signal.SIGTERM)
            sim.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="SMS per measurement")
    args = parser.parse_args()
    measure(args.count)


if __name__ == "__main__":
    main()
