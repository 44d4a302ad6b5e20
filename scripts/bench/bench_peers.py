"""OTP Broker next to smstools3 and gammu-smsd, on the same instant stub modem, in one run.

For each daemon: one warm-up message (it shows the daemon ready), then

1. single-message latency over ``--single`` messages, one at a time with a random pause of
   0.2-1.2 s before each (so a polling daemon is met at every phase of its loop): from the
   moment the message is made visible to the daemon (the peers: the rename of a complete
   file into their spool directory; OTP Broker: the REST request on an open keep-alive
   connection) to the moment the stub modem reads the PDU's Ctrl-Z; p50 and max;
2. a burst of ``--burst`` messages made visible at once (the peers: renamed one after the
   other; OTP Broker: 16 keep-alive clients): messages per second from the first release to
   the last Ctrl-Z;
3. the daemon's CPU (its whole session) while idle for ``--idle`` seconds and per message in
   the burst.

Every daemon meets the same stub modem (stub_modem.py), answering at once; each runs at its
fastest documented sane settings (printed), and smstools3 and gammu-smsd once more at their
busy-polling extreme (delaytime 0 / LoopSleep 0, documented as costing CPU). smstools3 and
gammu-smsd are installed from Debian when missing (as root), run as ``nobody`` on a
temporary spool and configuration that are removed at the end, like every process started
here. A figure that could not be measured (a message that never reached the modem, a PDU
too many) is printed as "not measured" with the reason. Figures only: nothing fails on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench_api import percentile
from peer_daemons import Daemon, GammuSmsd, OtpBroker, Smstools
from stub_modem import StubModem

PACKAGES = {"smsd": "smstools", "gammu-smsd": "gammu-smsd"}
READY_TIMEOUT = 60.0
MESSAGE_TIMEOUT = 60.0
BURST_CLIENTS = 16


@dataclass
class Result:
    """One daemon's figures (seconds, messages per second, CPU seconds)."""

    name: str
    settings: str
    latencies: list[float] = field(default_factory=list)
    rate: float = 0.0
    idle_cpu: float = 0.0
    burst_cpu: float = 0.0
    problem: str = ""
    """Why some figure is missing (empty: everything measured)."""


def ensure_installed() -> dict[str, str]:
    """Install the missing peers from Debian (as root); their programs that are still missing,
    with why."""
    missing = [package for program, package in PACKAGES.items() if not shutil.which(program)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(missing)} from Debian for the comparison", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq",
             "--no-install-recommends", *missing],
            env=env, stdout=subprocess.DEVNULL, check=False, timeout=1800,
        )  # fmt: skip
        quiet_services(missing)
    return {
        program: f"{package} is not installed (apt-get install {package})"
        for program, package in PACKAGES.items()
        if not shutil.which(program)
    }


def quiet_services(packages: Sequence[str]) -> None:
    """The packages just installed for the benchmark must not start their own daemons on
    the machine's modems: stop and disable their services where systemd runs."""
    if not os.path.isdir("/run/systemd/system"):
        return
    units = {"smstools": "smstools.service", "gammu-smsd": "gammu-smsd.service"}
    for package in packages:
        subprocess.run(["systemctl", "disable", "--now", units[package]],
                       capture_output=True, check=False, timeout=60)  # fmt: skip


def wait_ready(daemon: Daemon, stub: StubModem) -> None:
    """Release a warm-up message until it reaches the stub (OTP Broker: retried while its
    modem is not ready); SystemExit-free: raises TimeoutError."""
    deadline = time.monotonic() + READY_TIMEOUT
    if isinstance(daemon, OtpBroker):
        while True:
            try:
                daemon.connect(1)
                daemon.release(-1)
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline or not daemon.alive():
                    raise TimeoutError("OTP Broker never took a message") from None
                time.sleep(0.2)
    else:
        daemon.stage(-1)
        daemon.release(-1)
    if not stub.wait_for(1, max(1.0, deadline - time.monotonic())):
        raise TimeoutError(f"{daemon.name} did not send the warm-up message")


def single(daemon: Daemon, stub: StubModem, count: int, result: Result) -> None:
    """``count`` messages one at a time, each after a random pause."""
    pauses = random.Random(22)
    for index in range(count):
        daemon.stage(index)
        time.sleep(pauses.uniform(0.2, 1.2))
        expected = len(stub.stamps) + 1
        released = daemon.release(index)
        if not stub.wait_for(expected, MESSAGE_TIMEOUT):
            result.problem = f"message {index} never reached the modem"
            return
        result.latencies.append(stub.stamps[expected - 1] - released)


def burst(daemon: Daemon, stub: StubModem, count: int, result: Result) -> None:
    """``count`` messages released at once; the rate from the first release to the last
    Ctrl-Z, and the CPU the daemon used for them."""
    base, offset = len(stub.stamps), 1000
    for index in range(offset, offset + count):
        daemon.stage(index)
    cpu = daemon.cpu()
    if isinstance(daemon, OtpBroker):
        first_release = release_over_clients(daemon, range(offset, offset + count))
    else:
        first_release = daemon.release(offset)
        for index in range(offset + 1, offset + count):
            daemon.release(index)
    if not stub.wait_for(base + count, max(300.0, count * 5.0)):
        result.problem = f"{len(stub.stamps) - base} of the {count}-message burst arrived"
        return
    result.rate = count / (stub.stamps[base + count - 1] - first_release)
    result.burst_cpu = (daemon.cpu() - cpu) / count


def release_over_clients(daemon: OtpBroker, indexes: range) -> float:
    """Send ``indexes`` over BURST_CLIENTS keep-alive connections at once; the first stamp."""
    daemon.connect(BURST_CLIENTS)
    pending = list(reversed(indexes))
    lock = threading.Lock()
    failures: list[str] = []
    ready = threading.Barrier(BURST_CLIENTS + 1)

    def client(number: int) -> None:
        ready.wait()
        while True:
            with lock:
                if not pending or failures:
                    return
                index = pending.pop()
            try:
                daemon.release(index, number)
            except (ConnectionError, OSError) as exc:
                with lock:
                    failures.append(str(exc))

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(BURST_CLIENTS)]  # fmt: skip
    for thread in threads:
        thread.start()
    first = time.monotonic()
    ready.wait()
    for thread in threads:
        thread.join()
    if failures:
        raise ConnectionError(f"{len(failures)} burst request(s) failed: {failures[0]}")
    return first


def measure(make: Callable[[str], Daemon], args: argparse.Namespace) -> Result:
    """Start one daemon on a fresh stub, measure it, stop it and remove its files."""
    with StubModem() as stub, make(stub.path) as daemon:
        result = Result(daemon.name, daemon.settings)
        print(f"  measuring {daemon.name} ...", file=sys.stderr, flush=True)
        try:
            wait_ready(daemon, stub)
            cpu = daemon.cpu()
            time.sleep(args.idle)
            result.idle_cpu = (daemon.cpu() - cpu) / args.idle
            single(daemon, stub, args.single, result)
            if not result.problem:
                burst(daemon, stub, args.burst, result)
            time.sleep(1.0)  # a PDU sent twice would arrive right behind
            expected = 1 + args.single + args.burst
            if not result.problem and len(stub.stamps) != expected:
                result.problem = f"{len(stub.stamps)} PDUs for {expected} messages"
        except (TimeoutError, ConnectionError) as exc:
            result.problem = str(exc)
    return result


# ---- report ----------------------------------------------------------------------------


def cells(result: Result) -> tuple[str, str, str, str, str]:
    """p50 ms, max ms, burst msg/s, idle CPU %, CPU ms per message: "-" when not measured."""
    done = len(result.latencies) > 0 and not result.problem
    p50 = f"{percentile(result.latencies, 0.5) * 1e3:.1f}" if done else "-"
    worst = f"{max(result.latencies) * 1e3:.1f}" if done else "-"
    rate = f"{result.rate:.1f}" if result.rate else "-"
    cpu = f"{result.burst_cpu * 1e3:.2f}" if result.rate else "-"
    return p50, worst, rate, f"{result.idle_cpu * 100:.1f}", cpu


def report(args: argparse.Namespace, results: Sequence[Result], skipped: dict[str, str]) -> None:
    """The table, the settings and the ratios ours / peer."""
    print("peers side by side: one instant stub modem on a real pty, the same for every daemon")
    print(f"  Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}, {platform.system()} {platform.release()}")  # fmt: skip
    print(f"  latency: made visible -> Ctrl-Z at the modem, {args.single} one at a time; "
          f"burst: {args.burst} at once")  # fmt: skip
    print(f"  {'daemon':<24} {'p50 ms':>9} {'max ms':>9} {'burst msg/s':>12} "
          f"{'idle CPU %':>11} {'CPU ms/msg':>11}")  # fmt: skip
    for result in results:
        p50, worst, rate, idle, cpu = cells(result)
        print(f"  {result.name:<24} {p50:>9} {worst:>9} {rate:>12} {idle:>11} {cpu:>11}")
    ours = results[0]
    measured = bool(ours.latencies) and not ours.problem
    for peer in results[1:]:
        if measured and peer.latencies and not peer.problem:
            p50 = percentile(ours.latencies, 0.5) / percentile(peer.latencies, 0.5)
            worst = max(ours.latencies) / max(peer.latencies)
            print(f"  ours / {peer.name}: latency p50 {p50:.4f}x, max {worst:.4f}x, "
                  f"burst rate {ours.rate / peer.rate:.1f}x")  # fmt: skip
    print("  (latency ratio below 1 and rate ratio above 1: OTP Broker is faster)")
    print("  settings:")
    for result in results:
        print(f"    {result.name}: {result.settings}")
    for result in results:
        if result.problem:
            print(f"  {result.name}: not measured: {result.problem}")
    for program, why in skipped.items():
        print(f"  {program}: not measured: {why}")
    print("  (figures only: nothing fails on time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=20, help="one-at-a-time messages")
    parser.add_argument("--burst", type=int, default=100, help="messages in the burst")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU sampling")
    parser.add_argument("--no-extremes", action="store_true", help="skip the busy-polling runs")
    args = parser.parse_args()
    skipped = ensure_installed()
    runs: list[Callable[[str], Daemon]] = [OtpBroker]
    if "smsd" not in skipped:
        runs.append(lambda path: Smstools(path, delay=1))
        if not args.no_extremes:
            runs.append(lambda path: Smstools(path, delay=0))
    if "gammu-smsd" not in skipped:
        runs.append(lambda path: GammuSmsd(path, loop_sleep=1))
        if not args.no_extremes:
            runs.append(lambda path: GammuSmsd(path, loop_sleep=0))
    results = [measure(make, args) for make in runs]
    report(args, results, skipped)


if __name__ == "__main__":
    main()
