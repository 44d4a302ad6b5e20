"""A real broker on a free loopback port, wired to emulated modems, for API tests."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

from otpbroker.bootstrap import Broker, Machine
from otpbroker.modem.sim import ModemProfile, SimModem

#: The harness's modems are not paced unless a test asks: other tests send in bursts.
NO_PACING = {"min_gap_seconds": 0, "gap_jitter_seconds": 0, "max_per_hour": 0,
             "max_per_day": 0, "max_recipients_per_month": 0}  # fmt: skip


class BrokerHarness:
    """Starts emulated modems and a Broker; talks HTTP to it like a client."""

    def __init__(self, data_dir: Path, machine: Machine | None = None) -> None:
        self.data_dir = data_dir
        self.broker = Broker(data_dir, machine)
        self.sims: list[SimModem] = []
        self.modem_ids: list[str] = []
        self.base = ""

    def add_modem(self, **fields: Any) -> tuple[SimModem, str]:
        """An emulated modem plus its configuration record (not paced unless ``fields``
        say so); returns (sim, modem id)."""
        profile = fields.pop("profile", {})
        index = len(self.sims)
        sim = SimModem(ModemProfile(imei=f"35693803564{index:04d}", **profile)).start()
        self.sims.append(sim)
        record = self.broker.store.add(
            "modems", {"name": f"sim {index}", "port": sim.port, **NO_PACING, **fields}
        )
        self.modem_ids.append(record["id"])
        return sim, record["id"]

    def add_user(self, username: str = "app", password: str = "s3cret-pass", **fields: Any) -> None:
        """An API user with a password."""
        record = self.broker.store.add("api_users", {"username": username, **fields})
        self.broker.store.set_password("api_users", record["id"], password)

    def start(self) -> BrokerHarness:
        """Start the broker and wait until every active modem is ready."""
        server = self.broker.start("127.0.0.1", 0)
        host, port = server.bound_address
        self.base = f"http://{host}:{port}"
        self.wait_modems()
        return self

    def wait_modems(self, timeout: float = 15.0) -> None:
        """Wait until every running modem is connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.broker.store.refresh()
            active = [m for m in self.broker.store.list("modems") if m["active"]]
            statuses = self.broker.pool.statuses()
            if len(statuses) == len(active) and all(s.connected for s in statuses):
                return
            time.sleep(0.05)
        raise AssertionError(f"modems not ready: {self.broker.pool.statuses()}")

    def stop(self) -> None:
        """Stop broker and modems."""
        self.broker.stop()
        for sim in self.sims:
            sim.stop()

    def request(
        self,
        path: str,
        body: Any = None,
        *,
        method: str = "POST",
        auth: tuple[str, str] | None = ("app", "s3cret-pass"),
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Message]:
        """One HTTP request; returns (status, decoded JSON or text, headers)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                status, payload, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, payload, hdrs = error.code, error.read(), error.headers
        text = payload.decode("utf-8")
        try:
            return status, json.loads(text), hdrs
        except json.JSONDecodeError:
            return status, text, hdrs

    def send_sms(self, msisdn: str, message: str, message_id: Any = None, **kw: Any) -> tuple:
        """POST a send-sms command to /api/sms."""
        data: dict[str, Any] = {"msisdn": msisdn, "message": message}
        if message_id is not None:
            data["id"] = message_id
        return self.request(kw.pop("path", "/api/sms"), {"command": "send-sms", "data": data}, **kw)


def running_broker(data_dir: Path, *, with_user: bool = False) -> Iterator[BrokerHarness]:
    """For fixtures: a started broker with one emulated modem (and the API user ``app`` when
    asked); ``code`` holds the device's setup code. Stopped when the fixture ends."""
    h = BrokerHarness(data_dir)
    h.add_modem()
    if with_user:
        h.add_user()
    h.start()
    h.code = h.broker.setup_code.read()
    yield h
    h.stop()
