"""Real processes for the crash tests: ``otp-broker modem-sim`` and ``otp-broker serve``.

The emulated modems run in their own process, so they outlive a ``serve`` killed with
SIGKILL (as a modem outlives the broker's crash) and keep recording what reached the
"handsets" in their deliveries file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore

#: The SIMs are not paced: the rig sends hundreds of messages in a minute.
NO_PACING = {"min_gap_seconds": 0, "gap_jitter_seconds": 0, "max_per_hour": 0,
             "max_per_day": 0, "max_recipients_per_month": 0}  # fmt: skip

BIN = Path(sys.executable).with_name("otp-broker")


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until true; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    if not predicate():
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class ModemSim:
    """``otp-broker modem-sim`` as a process; ``ports`` are its modems' pty paths."""

    def __init__(self, tmp: Path, *args: str, count: int = 1) -> None:
        self.deliveries_path = tmp / "deliveries.jsonl"
        command = [str(BIN), "modem-sim", "--count", str(count), "--seed", "7",
                   "--deliveries", str(self.deliveries_path), "--prompt-delay", "0", *args]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.ports = [self.process.stdout.readline().split()[0] for _ in range(count)]

    def texts(self) -> list[str]:
        """Every text delivered so far (complete lines only)."""
        try:
            raw = self.deliveries_path.read_text("utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line)["text"] for line in raw.split("\n")[:-1] if line]

    def stop(self) -> None:
        """SIGTERM, then wait."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class Serve:
    """``otp-broker serve`` on ``data_dir``; start, SIGKILL, start again."""

    def __init__(self, data_dir: Path, runtime_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {**os.environ, "OTP_BROKER_RUNTIME_DIR": str(runtime_dir)}
        self.process: subprocess.Popen[str] | None = None
        self.log = data_dir.parent / "serve.log"

    def configure(self, ports: Iterable[str], settings: dict[str, Any]) -> None:
        """Modems on ``ports`` and ``settings``, stored before the first start."""
        store = ConfigStore(self.data_dir)
        try:
            for index, port in enumerate(ports):
                store.add("modems", {"name": f"sim {index}", "port": port, "default_modem": True,
                                     **NO_PACING})  # fmt: skip
            # hundreds of OTPs in a minute: the product's sending limits would refuse most
            store.update_settings({**{key: 0 for key in RATE_LIMIT_KEYS}, **settings})
        finally:
            store.close()

    def start(self) -> None:
        """Start and wait until it listens."""
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(BIN), "--data-dir", str(self.data_dir), "serve", "--host", "127.0.0.1",
                 "--http-port", "0"],
                stdout=subprocess.PIPE, stderr=log, text=True, env=self.env,
            )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "serving on" in line, f"serve did not start: {self.log.read_text()[-2000:]}"
        self.url = line.split()[-1]  # http://127.0.0.1:<port>
        _drain(self.process.stdout)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a crash or a power cut of the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        """SIGTERM if still running."""
        terminate(self.process)


def terminate(process: subprocess.Popen[str] | None) -> None:
    """SIGTERM ``process`` if it still runs; SIGKILL it after 30 s."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _drain(stream: IO[str]) -> None:
    """Read (and drop) the rest of a pipe so the process never blocks on it."""
    threading.Thread(target=stream.read, daemon=True).start()


def crash_twice(
    sim: ModemSim, serve: Serve, expected: list[str], kill_at: tuple[int, int], timeout: float
) -> Counter[str]:
    """SIGKILL ``serve`` when ``kill_at`` texts have been delivered, restart it each time,
    then wait until deliveries stop (nearly every text arrived and nothing new for 3 s);
    how often each text arrived."""
    for threshold in kill_at:
        wait_until(lambda t=threshold: len(sim.texts()) >= t, timeout, f"{threshold} deliveries")  # type: ignore[misc]
        serve.kill()
        serve.start()
    # A kill between a message's ``sending`` record and its PDU leaves it ``unknown``:
    # at most one per modem and kill is never delivered (and never resent).
    least = len(expected) - len(sim.ports) * len(kill_at)
    wait_until(lambda: len(set(sim.texts()) & set(expected)) >= least, timeout, "the deliveries")
    seen, deadline = -1, time.monotonic() + timeout
    while len(sim.texts()) != seen and time.monotonic() < deadline:
        seen = len(sim.texts())
        time.sleep(3.0)  # a late copy (a duplicate, a straggler) would arrive within this
    return Counter(sim.texts())


def ledger_states(data_dir: Path) -> dict[str, str]:
    """The last recorded state of every key in the send ledger file."""
    states: dict[str, str] = {}
    try:
        lines = (data_dir / "send-ledger.log").read_text().split("\n")[:-1]  # whole lines
    except FileNotFoundError:
        return states
    for line in lines:
        record = json.loads(line.split(" ", 1)[1])
        states[record["k"]] = record["s"]
    return states
