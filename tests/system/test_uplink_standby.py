"""Routing follows the link, in network namespaces: a "device" namespace with two links
("eth0" for Ethernet and "ppp7" standing for the mobile ppp link) to an "upstream"
namespace whose server (a public address on its loopback) is reachable through either.

The watcher reads the device's real route table; the link control brings the mobile
link's default route up and down as pppd would. An HTTP client in the device namespace
keeps reaching the server across the switch, and the DDNS updater is told at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import textwrap
import threading
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from netns_tools import IP, Netns, require_netns, run
from waiting import wait_until

from otpbroker.domain.ddns import Outcome, UpdateResult
from otpbroker.services.ddns import DdnsUpdater
from otpbroker.services.uplink_watch import ETHERNET, MOBILE, UplinkWatch
from otpbroker.system.default_route import DefaultRouteReader

SERVER_IP = "198.51.100.7"
ETH_GW, ETH_IP = "10.61.0.1", "10.61.0.2"
MOB_GW, MOB_IP = "10.62.0.1", "10.62.0.2"
CLONE_NEWNET = 0x40000000

SERVER = textwrap.dedent(
    """
    import http.server, sys

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = self.client_address[0].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((sys.argv[1], 8080), Echo)
    print("ready", flush=True)
    server.serve_forever()
    """
)


def in_netns(name: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread of its own that entered namespace ``name`` (the network
    namespace is per thread: this process's other threads stay where they are)."""
    result: dict[str, Any] = {}

    def body() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                result["error"] = OSError(ctypes.get_errno(), "setns failed")
                return
        finally:
            os.close(fd)
        try:
            result["value"] = work()
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(10)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def ask_server() -> str:
    """The device's address as the server sees it (which link carried the request)."""
    with urllib.request.urlopen(f"http://{SERVER_IP}:8080/", timeout=1) as answer:
        return str(answer.read().decode())


class Rig:
    """Both namespaces, the two links, the server and a process whose route table the
    watcher reads (``/proc/<pid>/net/route``)."""

    def __init__(self) -> None:
        self.device, self.upstream = Netns(), Netns()
        self.sleeper: subprocess.Popen[str] | None = None

    def build(self, tmp_path: Path) -> None:
        """Create everything (``close`` removes what was made, also half-way)."""
        self.device.create()
        self.upstream.create()
        self._pair("eth0", ETH_IP, "ueth", ETH_GW)
        self._pair("ppp7", MOB_IP, "umob", MOB_GW)
        self.upstream.exec("ip", "addr", "add", f"{SERVER_IP}/32", "dev", "lo")
        script = tmp_path / "echo_server.py"
        script.write_text(SERVER)
        self.upstream.start_python(script, [SERVER_IP])
        self.ethernet(True)
        self.device.exec("ip", "link", "set", "ppp7", "down")  # no mobile link yet
        self.sleeper = subprocess.Popen(
            [IP, "netns", "exec", self.device.name, "sleep", "600"], text=True
        )
        comm = Path(f"/proc/{self.sleeper.pid}/comm")
        assert wait_until(lambda: comm.read_text().strip() == "sleep", 10)
        self.routes = DefaultRouteReader(f"/proc/{self.sleeper.pid}/net/route")

    def _pair(self, inside: str, inside_ip: str, outside: str, outside_ip: str) -> None:
        run(IP, "-n", self.device.name, "link", "add", inside, "type", "veth",
            "peer", "name", outside, "netns", self.upstream.name)  # fmt: skip
        self.device.exec("ip", "addr", "add", f"{inside_ip}/24", "dev", inside)
        self.upstream.exec("ip", "addr", "add", f"{outside_ip}/24", "dev", outside)
        self.device.exec("ip", "link", "set", inside, "up")
        self.upstream.exec("ip", "link", "set", outside, "up")

    def ethernet(self, up: bool) -> None:
        """Ethernet's default route appears (a DHCP lease) or goes (cable, lease lost)."""
        verb = "replace" if up else "del"
        self.device.exec("ip", "route", verb, "default", "via", ETH_GW, "dev", "eth0")

    def close(self) -> None:
        if self.sleeper is not None:
            self.sleeper.kill()
            self.sleeper.wait(5)
        self.device.close()
        self.upstream.close()


class VethLinks:
    """The mobile link control: Connect brings "ppp7" up with the default route pppd
    would add; Disconnect takes it down (its routes go with it)."""

    def __init__(self, device: Netns) -> None:
        self.device = device
        self.calls: list[str] = []

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(f"connect {record['id']}")
        self.device.exec("ip", "link", "set", "ppp7", "up")
        self.device.exec("ip", "route", "replace", "default", "via", MOB_GW, "dev", "ppp7")
        return {"up": True}

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(f"disconnect {record['id']}")
        self.device.exec("ip", "link", "set", "ppp7", "down")
        return {"up": False}


class Modems:
    def with_internet(self) -> list[dict[str, Any]]:
        return [{"id": "m1", "name": "Stick"}]


class Settings:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, key: str) -> Any:
        return self.values[key]


class Records:
    """DDNS records and accounts in memory (the Repository the updater reads)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {
            "ddns_accounts": [{"id": "a1", "active": True}],
            "ddns_records": [{"id": "r1", "name": "gw.example", "account": "a1", "active": True}],
        }

    def list(self, table: str) -> list[dict[str, Any]]:
        return [dict(item) for item in self.tables[table]]

    def update(self, table: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        for item in self.tables[table]:
            if item["id"] == record_id:
                item.update(fields)
                return dict(item)
        raise LookupError(record_id)


class Provider:
    def __init__(self) -> None:
        self.updates: list[str] = []

    def update(self, record: Mapping[str, Any], address: str) -> UpdateResult:
        self.updates.append(address)
        return UpdateResult(Outcome.UPDATED, "good")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    require_netns()
    made = Rig()
    try:
        made.build(tmp_path)
        yield made
    finally:
        made.close()


def settings(**values: Any) -> Settings:
    return Settings({
        "internet.mode": "standby",
        "internet.check_interval_seconds": 1,
        "internet.failover_after_seconds": 1,
        "internet.failback_after_seconds": 1,
        "ddns.enabled": True,
        "ddns.interval_seconds": 3600,  # only the switch makes it look again soon
        **values,
    })  # fmt: skip


def test_mobile_takes_over_when_ethernet_loses_its_route_and_hands_back(rig: Rig) -> None:
    config = settings()
    links, records, provider = VethLinks(rig.device), Records(), Provider()
    address = lambda: in_netns(rig.device.name, ask_server)  # noqa: E731
    ddns = DdnsUpdater(records, config, address, lambda account: provider)
    watch = UplinkWatch(config, rig.routes)
    watch.connect(links, Modems(), ddns.update_now)
    seen: list[str] = []
    stop = threading.Event()

    def client() -> None:  # an application on the device, asking once every 100 ms
        while not stop.is_set():
            try:
                seen.append(ask_server())
            except OSError as exc:
                seen.append(f"error {type(exc).__name__}")
            stop.wait(0.1)

    poller = threading.Thread(target=lambda: in_netns(rig.device.name, client), daemon=True)
    poller.start()
    ddns.start()
    watch.start()
    try:
        assert wait_until(lambda: provider.updates == [ETH_IP], 10), provider.updates
        assert wait_until(lambda: watch.state().ethernet_route, 10)
        assert wait_until(lambda: ETH_IP in seen, 10)
        rig.ethernet(False)
        assert wait_until(lambda: watch.state().active == MOBILE, 15), watch.state()
        assert links.calls == ["connect m1"]
        mark = len(seen)
        assert wait_until(lambda: MOB_IP in seen[mark:], 10), seen[mark:]
        assert wait_until(lambda: provider.updates == [ETH_IP, MOB_IP], 10), provider.updates
        assert watch.state().last_switch.startswith("to mobile at ")
        rig.ethernet(True)
        assert wait_until(lambda: watch.state().active == ETHERNET, 15), watch.state()
        assert links.calls == ["connect m1", "disconnect m1"]
        mark = len(seen)
        assert wait_until(lambda: seen[mark:].count(ETH_IP) >= 3, 10), seen[mark:]
        assert wait_until(lambda: provider.updates == [ETH_IP, MOB_IP, ETH_IP], 10)
        assert wait_until(lambda: not watch.state().mobile_route, 10)
    finally:
        stop.set()
        watch.stop()
        ddns.stop()
        poller.join(5)


def test_a_flapping_ethernet_route_does_not_switch(rig: Rig) -> None:
    clock = [0.0]
    links = VethLinks(rig.device)
    config = settings(**{"internet.failover_after_seconds": 30})
    watch = UplinkWatch(config, rig.routes, clock=lambda: clock[0])
    watch.connect(links, Modems())
    for _ in range(6):  # gone 20 s, back 10 s, as the real table says at each check
        rig.ethernet(False)
        for _ in range(3):
            watch.tick()
            clock[0] += 10
        assert not watch.state().ethernet_route
        rig.ethernet(True)
        watch.tick()
        clock[0] += 10
        assert watch.state().ethernet_route
    assert links.calls == [] and watch.state().active == ETHERNET
    rig.ethernet(False)
    for _ in range(4):  # now gone for 30 s in a row
        watch.tick()
        clock[0] += 10
    assert links.calls == ["connect m1"]
    watch.tick()
    state = watch.state()
    assert state.active == MOBILE and state.mobile_route and not state.ethernet_route
    assert in_netns(rig.device.name, ask_server) == MOB_IP


def test_always_mode_leaves_the_links_alone(rig: Rig) -> None:
    links = VethLinks(rig.device)
    clock = [0.0]
    watch = UplinkWatch(settings(**{"internet.mode": "always"}), rig.routes,
                        clock=lambda: clock[0])  # fmt: skip
    watch.connect(links, Modems())
    rig.ethernet(False)
    for _ in range(10):
        watch.tick()
        clock[0] += 10
    assert links.calls == [] and not watch.state().ethernet_route
    with contextlib.suppress(OSError):
        in_netns(rig.device.name, ask_server)
        pytest.fail("the server is reachable without any default route")
