"""Slow, idle and numerous clients against a real ``otp-broker serve``: does the API still answer?

One ``serve`` (HTTP and HTTPS, emulated modems answering at once) and, in turn, 1,000 hostile
connections of each kind, held while 50 authenticated ``send-sms`` (each on a new connection
from 127.0.0.1) and the admin's login page are timed:

- ``stalled``: a few bytes of request headers, then nothing (a "slowloris");
- ``slow-body``: whole headers of a send-sms announcing 300 bytes of body, 10 of them, then
  nothing;
- ``idle``: one request answered, then the connection left open (keep-alive);
- ``handshake`` (HTTPS): half a TLS ClientHello, then nothing.

The hostile connections come from 127.0.1.1 onwards, at most 40 per address (under the
front's default per-address cap, so every one of them must really be held). Prints per case:
p50 / p99 / max of the send-sms answers, the admin page's time, p99 under attack / p99 with no
hostile client (measured first, in the same run), the resident memory of serve and of its
children (the front) idle and with the connections, and how many hostile connections the
server closed or refused while they were meant to be held, and how many it closed within
40 s afterwards (its request and keep-alive time-outs). Prints nothing but the reason, and
exits 1, if a send-sms was not answered 0000, the admin page did not load or the hostile
connections did not stay open: then the figures would not mean what they say.
"""

from __future__ import annotations

import argparse
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "web"))

from hostile_clients import (
    HANDSHAKE,
    IDLE,
    SLOW_BODY,
    STALLED,
    HostileCrowd,
    raise_open_files,
    spread,
)
from measured_client import Answer, admin_page, percentile, send_sms, verifying_tls
from served_broker import Endpoint, ServedBroker, child_pids, process_name, resident_kib

REQUESTS = 50
PER_SOURCE = 40
PATIENCE = 20.0  # seconds a request may take before it counts as not answered
EVICTION = 40.0  # seconds to wait for the server to close the hostile connections
CASES = (("http", STALLED), ("http", SLOW_BODY), ("http", IDLE), ("https", STALLED),
         ("https", SLOW_BODY), ("https", HANDSHAKE), ("https", IDLE))  # fmt: skip


class Refused(Exception):
    """The run cannot give meaningful figures; the message says why."""


@dataclass
class Memory:
    """Resident memory (KiB) of serve and of its children together."""

    serve: int
    children: int
    names: str

    def __str__(self) -> str:
        front = f"{self.children / 1024:.1f} MiB ({self.names})" if self.names else "none"
        return f"serve {self.serve / 1024:.1f} MiB, children {front}"


def memory(pid: int) -> Memory:
    children = child_pids(pid)
    names = sorted({process_name(child) for child in children} - {""})
    return Memory(resident_kib(pid), sum(map(resident_kib, children)), ", ".join(names))


def timed_sends(endpoint: Endpoint, tls: ssl.SSLContext | None) -> list[float]:
    """Seconds of each of the 50 send-sms; Refused at the first one not sent."""
    seconds = []
    for index in range(REQUESTS):
        answer = send_sms(endpoint, index, timeout=PATIENCE, tls=tls)
        if answer.status != 200 or answer.code != "0000":
            raise Refused(f"send-sms #{index} over {endpoint.scheme} was not sent: {answer}")
        seconds.append(answer.seconds)
    return seconds


def admin_seconds(endpoint: Endpoint, tls: ssl.SSLContext | None) -> float:
    answer: Answer = admin_page(endpoint, timeout=PATIENCE, tls=tls)
    if answer.status != 200:
        raise Refused(f"the admin page over {endpoint.scheme} did not load: {answer}")
    return answer.seconds


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(seconds: list[float]) -> str:
    p50, p99 = percentile(seconds, 0.50), percentile(seconds, 0.99)
    return f"p50 {ms(p50)}  p99 {ms(p99)}  max {ms(max(seconds))}"


def attack(served: ServedBroker, case: tuple[str, str], count: int, baseline: float) -> list[str]:
    """One case: hold ``count`` hostile connections, time the legitimate client; the lines
    to print (Refused if the figures would not mean what they say)."""
    scheme, kind = case
    endpoint = served.endpoints[scheme]
    tls = verifying_tls(served.certificate) if scheme == "https" else None
    crowd = HostileCrowd(endpoint.host, endpoint.port, scheme == "https", spread(count, PER_SOURCE))
    print(f"({scheme} {kind}...)", file=sys.stderr)
    try:
        started = time.monotonic()
        opened = crowd.open(count, kind, timeout=PATIENCE * 3)
        opening = time.monotonic() - started
        if opened["held"] != count:
            raise Refused(f"{scheme} {kind}: only {dict(opened)} opened; {crowd.failures()}")
        loaded = memory(served.pid)
        seconds = timed_sends(endpoint, tls)
        admin = admin_seconds(endpoint, tls)
        held, lasted = crowd.census(), time.monotonic() - started
        if held["held"] != count:
            raise Refused(
                f"{scheme} {kind}: the hostile connections did not stay open: {dict(held)}"
            )
        evicted = time_to_close(crowd, count)
    finally:
        crowd.close()
    time.sleep(2.0)  # for the server to let go of the closed connections
    return [
        f"-- {scheme} {kind}: {count} connections from {len(crowd.sources)} addresses, "
        f"opened in {opening:.1f} s, all held for {lasted:.1f} s",
        f"   send-sms x{REQUESTS}: {summary(seconds)}  admin page {ms(admin)}",
        f"   p99 under attack / p99 with no hostile client: "
        f"{percentile(seconds, 0.99) / baseline:.2f}",
        f"   memory with them: {loaded}",
        f"   then the server closed {evicted}; memory 2 s later: {memory(served.pid)}",
    ]


def time_to_close(crowd: HostileCrowd, count: int) -> str:
    """Wait (at most EVICTION seconds) until the server has closed every hostile connection
    (its request and keep-alive time-outs); how many it closed, and when."""
    started = time.monotonic()
    while crowd.census()["held"] and time.monotonic() - started < EVICTION:
        time.sleep(0.5)
    left = crowd.census()["held"]
    return f"{count - left} of {count} within {time.monotonic() - started:.0f} s"


def unattacked(served: ServedBroker, scheme: str) -> tuple[float, str]:
    """p99 of 50 send-sms with no hostile client (after as many to warm up), and a line."""
    endpoint = served.endpoints[scheme]
    tls = verifying_tls(served.certificate) if scheme == "https" else None
    timed_sends(endpoint, tls)  # warm-up: credential cache, modems, the front's first requests
    seconds = timed_sends(endpoint, tls)
    admin = admin_seconds(endpoint, tls)
    return percentile(seconds, 0.99), (
        f"-- {scheme}, no hostile client: send-sms x{REQUESTS}: {summary(seconds)}  "
        f"admin page {ms(admin)}"
    )


def run(count: int) -> list[str]:
    """Every case on one served broker; the lines to print."""
    raise_open_files(count + 512)
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        served = ServedBroker(Path(tmp)).start()
        try:
            baselines, lines = {}, []
            for scheme in served.endpoints:
                baselines[scheme], line = unattacked(served, scheme)
                lines.append(line)
            lines.append(f"   memory idle: {memory(served.pid)}")
            for case in CASES:
                lines += attack(served, case, count, baselines[case[0]])
            return lines
        finally:
            served.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--connections", type=int, default=1000, help="per case (default 1000)")
    count = parser.parse_args().connections
    try:
        lines = run(count)
    except Refused as why:
        print(f"NO FIGURES: {why}", file=sys.stderr)
        return 1
    print(f"hostile clients: {count} connections per case; {REQUESTS} send-sms on new connections")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
