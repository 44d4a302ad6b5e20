"""A real ``otp-broker serve`` (HTTP and HTTPS) on an ``otp-broker modem-sim``, as a device
facing the internet runs it; for the hostile-client test and benchmark.

Both run as subprocesses; the data directory is prepared before the start: emulated modems
unpaced, the sending limits off (the clients send bursts), one API user and one
administrator (so the admin's login page is what a visitor gets).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))

from crash_rig import BIN, NO_PACING, ModemSim, terminate

from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore

API_USER = ("app", "app-password-0123")
ADMIN = ("owner", "owner-password-1")


@dataclass
class Endpoint:
    """Where a listener of the served broker answers."""

    scheme: str
    host: str
    port: int


def prepare(data_dir: Path, modem_ports: list[str], settings: dict[str, Any]) -> None:
    """Modems, limits off, HTTPS on, ``settings``, the API user and the administrator."""
    store = ConfigStore(data_dir)
    try:
        for index, port in enumerate(modem_ports):
            store.add("modems", {"name": f"sim {index}", "port": port, "default_modem": True,
                                 **NO_PACING})  # fmt: skip
        off = {key: 0 for key in RATE_LIMIT_KEYS}
        store.update_settings({**off, "api.https_enabled": True, **settings})
        for collection, (name, password) in (("api_users", API_USER), ("admins", ADMIN)):
            record = store.add(collection, {"username": name})
            store.set_password(collection, record["id"], password)
    finally:
        store.close()


class ServedBroker:
    """``otp-broker serve`` on free ports with both listeners; ``endpoints`` by scheme."""

    def __init__(self, tmp: Path, settings: dict[str, Any] | None = None) -> None:
        self.tmp = tmp
        self.settings = settings or {}
        self.data_dir = tmp / "data"
        self.log = tmp / "serve.log"
        self.sim = ModemSim(tmp, "--delay", "0", count=2)
        self.process: subprocess.Popen[str] | None = None
        self.endpoints: dict[str, Endpoint] = {}

    def start(self) -> ServedBroker:
        """Prepare the data directory, start serve, wait for its two URLs."""
        prepare(self.data_dir, self.sim.ports, self.settings)
        runtime = self.tmp / "run"
        runtime.mkdir(exist_ok=True)
        env = {**os.environ, "OTP_BROKER_RUNTIME_DIR": str(runtime)}
        argv = [str(BIN), "--data-dir", str(self.data_dir), "serve", "--host", "127.0.0.1",
                "--http-port", "0", "--https-port", "0"]  # fmt: skip
        with self.log.open("w") as errors:
            self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors,
                                            text=True, env=env)  # fmt: skip
        for url in self._urls(2):
            scheme, _, address = url.partition("://")
            host, _, port = address.rpartition(":")
            self.endpoints[scheme] = Endpoint(scheme, host, int(port))
        return self

    def _urls(self, count: int) -> list[str]:
        """The first ``count`` "serving on" URLs; the rest of stdout is drained."""
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        assert ready, f"serve did not start: {self.log.read_text()[-2000:]}"
        urls = []
        for _ in range(count):
            line = self.process.stdout.readline()
            assert " serving on " in line, (line, self.log.read_text()[-2000:])
            urls.append(line.split(" on ", 1)[1].strip())
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        return urls

    @property
    def certificate(self) -> Path:
        """The self-signed certificate serve made at its first HTTPS start."""
        return self.data_dir / "tls" / "cert.pem"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM serve, then the modem emulator."""
        try:
            terminate(self.process)
        finally:
            self.sim.stop()


def resident_kib(pid: int) -> int:
    """VmRSS of one process, in KiB (0 if it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child_pids(pid: int) -> list[int]:
    """Every descendant of ``pid`` (children of its threads too), depth first."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            direct = [int(child) for child in children.read_text().split()]
        except FileNotFoundError:
            continue
        for child in direct:
            found += [child, *child_pids(child)]
    return found


def process_name(pid: int) -> str:
    """The command name of ``pid`` ("" if it has gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""
