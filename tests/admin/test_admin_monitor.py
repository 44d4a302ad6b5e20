"""Monitor (Server-Sent Events) and the home page's server status (``system/status.py``)."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import queue
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import netifaces
import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness, running_broker

from otpbroker.system import status as system_status
from otpbroker.web.admin.pages import monitor

NUMBER = "08126666666"
MSISDN = "628126666666"
TEXT = "Kode OTP Anda 739154 rahasia"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


class Stream:
    """An open SSE connection read on a thread: events into a queue, raw text kept."""

    def __init__(self, base: str, client: AdminClient, headers: dict | None = None) -> None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
        host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.connection.request(
            "GET", "/admin-api/monitor/stream", headers={"Cookie": cookie, **(headers or {})}
        )
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            body = self.response.read()
            self.connection.close()
            raise urllib.error.HTTPError(
                base, self.response.status, body.decode(), self.response.headers, io.BytesIO(body)
            )
        self.events: queue.Queue = queue.Queue()
        self.raw: list[str] = []
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                text = line.decode("utf-8")
                self.raw.append(text)
                text = text.rstrip("\n")
                if text == "":
                    if fields:
                        self.events.put(fields)
                    fields = {}
                elif text.startswith(":"):
                    self.events.put({"comment": text[1:].strip()})
                else:
                    name, _, value = text.partition(":")
                    fields[name] = value.lstrip(" ")
        except (OSError, ValueError, AttributeError):  # closed by the test meanwhile
            return
        finally:
            self.ended.set()

    def next(self, predicate, timeout: float = 15.0, what: str = "event") -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if predicate(event):
                return event
        raise AssertionError(f"no {what} within {timeout} s; got: {''.join(self.raw)[-2000:]}")

    def close(self) -> None:
        """Hang up at once (also wakes the reading thread)."""
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self.connection.close()


@pytest.fixture
def streams(harness, admin):
    opened: list[Stream] = []

    def open_stream(headers: dict | None = None) -> Stream:
        stream = Stream(harness.base, admin, headers)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


def data(event: dict) -> dict:
    return json.loads(event["data"])


def is_kind(kind):
    return lambda event: event.get("event") == kind


# -- monitor -------------------------------------------------------------------------------------


def test_the_stream_needs_a_session(harness, admin):
    request = urllib.request.Request(harness.base + "/admin-api/monitor/stream")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert refused.value.headers["Content-Type"].startswith("application/json")
    assert "error" in json.loads(refused.value.read())


def test_the_stream_is_an_event_stream_with_the_modems_first(harness, streams):
    stream = streams()
    assert stream.response.status == 200
    assert stream.response.headers["Content-Type"].startswith("text/event-stream")
    assert stream.response.headers["Cache-Control"] == "no-store"
    modem = data(stream.next(is_kind("modem"), what="modem status"))
    assert modem["modem_id"] == harness.modem_ids[0] and modem["name"] == "sim 0"
    assert modem["state"] == "ready" and modem["connected"] is True
    assert modem["operator"] and modem["signal"] is not None


def test_a_rest_request_appears_masked_and_without_text(harness, streams):
    stream = streams()
    stream.next(is_kind("modem"))
    status, body, _ = harness.send_sms(NUMBER, TEXT, message_id="mon-1")
    assert status == 200, body
    event = data(stream.next(is_kind("sms"), what="sms event"))
    assert event["source"] == "rest" and event["source_label"] == "REST user app"
    assert event["recipient"] == "6281******66"
    assert event["modem"] == "sim 0" and event["modem_id"] == harness.modem_ids[0]
    assert event["outcome"] == "sent" and event["duration_ms"] >= 0
    assert harness.send_sms(NUMBER, TEXT, message_id="mon-1")[0] == 409  # a duplicate
    duplicate = data(stream.next(is_kind("sms"), what="duplicate event"))
    assert duplicate["outcome"] == "duplicate" and duplicate["modem"] is None
    raw = "".join(stream.raw)
    for secret in (TEXT, "739154", MSISDN, NUMBER):
        assert secret not in raw


def test_failed_and_throttled_api_logins_appear_without_the_password(harness, streams):
    stream = streams()
    stream.next(is_kind("modem"))
    guess = "monitor-guess-Pa55"
    statuses = [harness.send_sms(NUMBER, TEXT, auth=("app", f"{guess}{n}"))[0] for n in range(6)]
    assert statuses == [401] * 5 + [429]
    seen = [data(stream.next(is_kind("sms"), what="login event")) for _ in range(6)]
    assert {(e["kind"], e["source_label"], e["recipient"]) for e in seen} == {
        ("login", "REST user app", "127.0.0.1")
    }
    assert [e["outcome"] for e in seen] == ["login_failed"] * 5 + ["throttled"]
    assert guess not in "".join(stream.raw)


def test_the_owner_can_choose_to_see_whole_numbers_but_never_the_text(harness, admin, streams):
    harness.broker.store.set("sms.monitor_recipient", "full")
    stream = streams()
    stream.next(is_kind("modem"))
    assert harness.send_sms(NUMBER, TEXT, message_id="mon-full")[0] == 200
    assert data(stream.next(is_kind("sms"), what="sms event"))["recipient"] == MSISDN
    status, page, _ = admin.get("/monitor")
    assert status == 200 and MSISDN in page and "6281******66" not in page
    assert TEXT not in page and "739154" not in page
    harness.broker.store.set("sms.monitor_recipient", "masked")
    status, page, _ = admin.get("/monitor")
    assert "6281******66" in page and MSISDN not in page


def test_unplugging_a_modem_is_sent_as_a_modem_status(harness, streams):
    stream = streams()
    first = data(stream.next(is_kind("modem")))
    assert first["connected"] is True
    harness.sims[0].unplug()
    changed = data(
        stream.next(
            lambda e: is_kind("modem")(e) and not data(e)["connected"],
            timeout=20,
            what="modem down",
        )
    )
    assert changed["modem_id"] == harness.modem_ids[0] and changed["state"] != "ready"
    assert changed["last_error"]


def test_the_page_renders_recent_requests_without_javascript(harness, admin):
    assert harness.send_sms(NUMBER, TEXT, message_id="mon-page")[0] == 200
    status, text, _ = admin.get("/monitor")
    assert status == 200
    assert "6281******66" in text and "REST user app" in text and "sim 0" in text
    assert TEXT not in text and MSISDN not in text and "739154" not in text
    assert '<script src="/static/monitor.js" defer></script>' in text
    assert "<script>" not in text and "style=" not in text
    assert admin.get("/static/monitor.js")[0] == 200


def test_more_streams_than_the_cap_are_refused_and_slots_come_back(harness, admin, streams):
    opened = [streams() for _ in range(monitor.MAX_STREAMS)]
    for stream in opened:
        stream.next(is_kind("modem"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        Stream(harness.base, admin)
    assert refused.value.code == 503 and refused.value.headers["Retry-After"]
    assert refused.value.headers["X-Frame-Options"] == "DENY"
    assert "too many monitor streams" in json.loads(refused.value.read())["error"]
    opened[0].close()  # the server notices the closed connection and frees the slot
    deadline = time.monotonic() + 10
    while True:
        try:
            again = streams()
            break
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert time.monotonic() < deadline, "the closed stream's slot never came back"
            time.sleep(0.2)
    again.next(is_kind("modem"))


def test_heartbeat_and_end_of_stream(harness, streams, monkeypatch):
    monkeypatch.setattr(monitor, "HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setattr(monitor, "STREAM_SECONDS", 1.5)
    stream = streams()
    assert stream.next(lambda e: e.get("comment") == "keep-alive", timeout=5)
    assert stream.ended.wait(10), "the stream did not end"
    assert "retry: " in "".join(stream.raw)


def test_a_reconnect_replays_what_it_missed(harness, streams):
    before = time.time()
    assert harness.send_sms(NUMBER, TEXT, message_id="mon-replay")[0] == 200
    stream = streams({"Last-Event-ID": repr(before)})
    event = stream.next(is_kind("sms"), what="replayed event")
    assert float(event["id"]) > before and data(event)["recipient"] == "6281******66"
    mark = stream.next(lambda e: set(e) == {"id"}, what="the stream's own id")
    assert float(mark["id"]) >= float(event["id"])
    # reconnecting from that id replays nothing already seen
    again = streams({"Last-Event-ID": mark["id"]})
    again.next(is_kind("modem"))
    assert "event: sms" not in "".join(again.raw)


def test_an_open_stream_does_not_hold_up_stopping_the_service(tmp_path):
    h = BrokerHarness(tmp_path / "own")
    h.add_modem()
    h.start()
    client = AdminClient(h.base)
    client.setup(h.broker.setup_code.read())
    stream = Stream(h.base, client)
    try:
        stream.next(is_kind("modem"))
        started = time.monotonic()
        h.stop()
        assert time.monotonic() - started < 4.0
        assert stream.ended.wait(5)
    finally:
        stream.close()


# -- server status ---------------------------------------------------------------------------------

MEMINFO = """MemTotal:        3884428 kB
MemFree:          211996 kB
MemAvailable:    2795196 kB
Buffers:          120436 kB
Cached:          2188888 kB
SwapTotal:        102396 kB
SwapFree:          51198 kB
"""


@pytest.fixture
def fake_os(tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "loadavg").write_text("0.52 0.58 0.59 2/345 6789\n")
    (proc / "meminfo").write_text(MEMINFO)
    (proc / "uptime").write_text("93784.51 350000.00\n")
    thermal = tmp_path / "thermal"
    (thermal / "thermal_zone0").mkdir(parents=True)
    (thermal / "thermal_zone0" / "temp").write_text("48312\n")
    (thermal / "thermal_zone0" / "type").write_text("cpu-thermal\n")
    (thermal / "thermal_zone1").mkdir()  # a zone without a readable temperature
    (thermal / "cooling_device0").mkdir()
    return proc, thermal


def fake_interfaces():
    return ["lo", "eth0", "wlan0", "usb0"]


def fake_ifaddresses(name):
    table = {
        "lo": {netifaces.AF_INET: [{"addr": "127.0.0.1"}], netifaces.AF_INET6: [{"addr": "::1"}]},
        "eth0": {
            netifaces.AF_INET: [{"addr": "10.0.0.5", "netmask": "255.255.255.0"}],
            netifaces.AF_INET6: [{"addr": "fe80::1%eth0"}],
        },
        "wlan0": {netifaces.AF_INET: [{"addr": "192.168.0.11"}]},
        "usb0": {netifaces.AF_LINK: [{"addr": "00:11:22:33:44:55"}]},
    }
    if name not in table:
        raise ValueError("no such interface")
    return table[name]


def test_status_readers_parse_the_proc_files(fake_os, tmp_path):
    proc, thermal = fake_os
    load = system_status.cpu_load(proc / "loadavg", cpus=4)
    assert load == {"load1": 0.52, "load5": 0.58, "load15": 0.59, "cpus": 4}
    memory = system_status.memory(proc / "meminfo")
    assert memory["total"] == 3884428 * 1024 and memory["available"] == 2795196 * 1024
    assert memory["used"] == (3884428 - 2795196) * 1024 and memory["percent"] == 28.0
    assert memory["swap_total"] == 102396 * 1024 and memory["swap_used"] == 51198 * 1024
    assert system_status.machine_uptime(proc / "uptime") == 93784.51
    assert system_status.temperatures(thermal) == [
        {"zone": "thermal_zone0", "type": "cpu-thermal", "celsius": 48.312}
    ]
    addresses = system_status.network_addresses(fake_interfaces, fake_ifaddresses)
    assert addresses == {
        "lo": {"ipv4": ["127.0.0.1"], "ipv6": ["::1"]},
        "eth0": {"ipv4": ["10.0.0.5"], "ipv6": ["fe80::1"]},
        "wlan0": {"ipv4": ["192.168.0.11"], "ipv6": []},
    }
    disk = system_status.disk(tmp_path)
    assert disk["total"] > 0 and disk["free"] <= disk["total"] and 0 <= disk["percent"] <= 100


def test_status_readers_without_their_sources(tmp_path):
    missing = tmp_path / "missing"
    assert system_status.memory(missing) is None
    assert system_status.machine_uptime(missing) is None
    assert system_status.temperatures(missing) == []
    assert system_status.disk(missing) is None
    (tmp_path / "meminfo").write_text("MemTotal: 1000 kB\nMemFree: 100 kB\nCached: 300 kB\n")
    assert system_status.memory(tmp_path / "meminfo")["available"] == 400 * 1024  # old kernels
    (tmp_path / "garbage").write_text("not numbers\n")
    assert system_status.machine_uptime(tmp_path / "garbage") is None
    load = system_status.cpu_load(tmp_path / "garbage")  # falls back to os.getloadavg()
    assert load is not None and load["cpus"] >= 1

    def broken():
        raise OSError("netlink failed")

    assert system_status.network_addresses(broken, fake_ifaddresses) == {}


def test_server_status_puts_it_together(fake_os, tmp_path):
    proc, thermal = fake_os
    status = system_status.server_status(
        tmp_path,
        proc=proc,
        thermal=thermal,
        interfaces=fake_interfaces,
        ifaddresses=fake_ifaddresses,
    )
    assert set(status) == {"load", "memory", "disk", "temperatures", "addresses", "uptime"}
    assert status["uptime"] == 93784.51 and status["addresses"]["wlan0"]["ipv4"] == ["192.168.0.11"]
    assert status["disk"]["path"] == str(tmp_path)


def test_home_page_shows_the_server_status(harness, admin):
    status, text, _ = admin.get("/")
    assert status == 200
    for label in (
        "Server",
        "CPU load",
        "Memory",
        "Disk (data)",
        "Temperature",
        "Machine up for",
        "Network addresses",
    ):
        assert label in text, label
    assert " used of " in text and " free of " in text and " GiB" in text
    assert "127.0.0.1" in text  # the loopback interface, read with netifaces


class BrokenReadings:
    """A server status reader that fails."""

    def server_status(self):
        raise RuntimeError("boom")


@pytest.fixture
def broken_reader(tmp_path, serve_admin):
    """The admin of a running broker, with a server status reader that fails."""
    h = BrokerHarness(tmp_path / "broken")
    h.add_modem()
    h.start()
    yield serve_admin(h.broker, server=BrokenReadings()), h.broker
    h.stop()


def test_home_page_survives_a_failing_status_reader(broken_reader):
    served, broker = broken_reader
    admin = AdminClient(served.base)
    admin.setup(broker.setup_code.read())
    status, text, _ = admin.get("/")
    assert status == 200 and "not available" in text and "Messages sent" in text
