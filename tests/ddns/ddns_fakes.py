"""Loopback fakes of the DDNS providers, each following the provider's documented API.

Every fake records each request (method, path, query, headers, body) so tests assert the
exact requests a client makes; ``script`` queues canned answers (errors, rate limits) that
are served before the normal behaviour.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 with a free port; subclasses answer requests."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.script: list[Answer] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {name.lower(): value for name, value in self.headers.items()},
                    body,
                )
                status, headers, payload = fake.answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PATCH(self) -> None:
                self._serve()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, seen: Seen) -> Answer:
        self.requests.append(seen)
        if self.script:
            return self.script.pop(0)
        return self.handle(seen)

    def handle(self, seen: Seen) -> Answer:
        raise NotImplementedError

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def text(status: int, body: str, **headers: str) -> Answer:
    return status, {"Content-Type": "text/plain", **headers}, body.encode()


def envelope(status: int, result: Any = None, errors: list[dict] | None = None, **extra) -> Answer:
    payload = {"success": not errors, "errors": errors or [], "messages": [], "result": result}
    payload.update(extra)
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


@dataclass
class CloudflareFake(FakeServer):
    """Zones and A records behind ``/client/v4`` with an API token."""

    token: str = "cf-token-1"
    zones: dict[str, str] = field(default_factory=dict)  # id -> name
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> record

    def __post_init__(self) -> None:
        FakeServer.__init__(self)
        self._next = 0

    @property
    def base(self) -> str:
        return self.url + "/client/v4"

    def add_record(self, zone_id: str, name: str, content: str, **extra: Any) -> str:
        self._next += 1
        record_id = f"rec{self._next}"
        self.records[record_id] = {"id": record_id, "zone_id": zone_id, "type": "A",
                                   "name": name, "content": content, "ttl": 1,
                                   "proxied": False, **extra}  # fmt: skip
        return record_id

    def handle(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return envelope(403, errors=[{"code": 9109, "message": "Invalid access token"}])
        parts = seen.path.removeprefix("/client/v4").strip("/").split("/")
        if seen.method == "GET" and parts == ["zones"]:
            found = [{"id": zid, "name": name, "status": "active"}
                     for zid, name in self.zones.items()
                     if "name" not in seen.query or seen.query["name"] == name]  # fmt: skip
            info = {"page": 1, "per_page": 20, "count": len(found), "total_count": len(found)}
            return envelope(200, found, result_info=info)
        if len(parts) >= 3 and parts[0] == "zones" and parts[2] == "dns_records":
            zone_id = parts[1]
            if zone_id not in self.zones:
                return envelope(404, errors=[{"code": 7003, "message": "Could not route"}])
            if seen.method == "GET" and len(parts) == 3:
                found = [r for r in self.records.values() if r["zone_id"] == zone_id
                         and r["type"] == seen.query.get("type", r["type"])
                         and r["name"] == seen.query.get("name", r["name"])]  # fmt: skip
                return envelope(200, found)
            body = json.loads(seen.body or b"{}")
            problem = self._invalid(body, self.zones[zone_id])
            if problem:
                return envelope(400, errors=[problem])
            if seen.method == "POST" and len(parts) == 3:
                record_id = self.add_record(zone_id, body["name"], body["content"],
                                            ttl=body["ttl"], proxied=body["proxied"])  # fmt: skip
                return envelope(200, self.records[record_id])
            if seen.method in ("PATCH", "PUT") and len(parts) == 4 and parts[3] in self.records:
                self.records[parts[3]].update(body)
                return envelope(200, self.records[parts[3]])
        return envelope(404, errors=[{"code": 7000, "message": "No route for that URI"}])

    @staticmethod
    def _invalid(body: dict[str, Any], zone: str) -> dict[str, Any] | None:
        if "content" in body:
            try:
                ipaddress.IPv4Address(body["content"])
            except ValueError:
                return {"code": 9005, "message": "Content for A record must be a valid IPv4."}
        ttl = body.get("ttl", 1)
        if not (ttl == 1 or 60 <= ttl <= 86400):
            return {"code": 9021, "message": "Invalid TTL. Must be between 60 and 86400 "
                    "seconds, or 1 for Automatic."}  # fmt: skip
        name = body.get("name", zone)
        if name != zone and not name.endswith("." + zone):
            return {"code": 9007, "message": "Name does not belong to the zone."}
        return None


@dataclass
class DynDns2Fake(FakeServer):
    """``/nic/update`` of No-IP or Dynu: Basic auth, User-Agent, host names per account."""

    users: dict[str, str] = field(default_factory=dict)  # username -> password
    hosts: dict[str, str] = field(default_factory=dict)  # hostname -> address

    def __post_init__(self) -> None:
        FakeServer.__init__(self)

    def handle(self, seen: Seen) -> Answer:
        if seen.method != "GET" or seen.path != "/nic/update":
            return text(404, "not found")
        if not seen.headers.get("user-agent", "").startswith("OTP-Broker/"):
            return text(200, "badagent")
        auth = seen.headers.get("authorization", "")
        try:
            user, _, password = (
                base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            )
        except ValueError:
            return text(401, "badauth")
        if not auth.startswith("Basic ") or self.users.get(user) != password:
            return text(401, "badauth")
        host, address = seen.query.get("hostname", ""), seen.query.get("myip", "")
        if host not in self.hosts:
            return text(200, "nohost")
        if self.hosts[host] == address:
            return text(200, f"nochg {address}")
        self.hosts[host] = address
        return text(200, f"good {address}")


@dataclass
class FreeDnsFake(FakeServer):
    """``/u/<token>/?myip=``: one update token per set of linked host names."""

    tokens: dict[str, list[str]] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        FakeServer.__init__(self)

    def handle(self, seen: Seen) -> Answer:
        parts = seen.path.strip("/").split("/")
        if seen.method != "GET" or len(parts) != 2 or parts[0] != "u":
            return text(404, "ERROR: Invalid update URL (2)")
        hosts = self.tokens.get(parts[1])
        if hosts is None:
            return text(200, "ERROR: Unable to locate this record (changed password recently? "
                        "deleted record?)")  # fmt: skip
        address = seen.query.get("myip", "")
        if all(self.addresses.get(host) == address for host in hosts):
            return text(200, f"No IP change detected for {hosts[0]} with IP {address}, "
                        "skipping update")  # fmt: skip
        for host in hosts:
            self.addresses[host] = address
        return text(200, f"Updated {len(hosts)} host(s) {', '.join(hosts)} to {address} "
                    "in 0.012 seconds")  # fmt: skip


@dataclass
class WhatIsMyIpFake(FakeServer):
    """A 'what is my IP' service answering ``address`` as plain text."""

    address: str = "203.0.113.7"

    def __post_init__(self) -> None:
        FakeServer.__init__(self)

    def handle(self, seen: Seen) -> Answer:
        return text(200, self.address + "\n")
