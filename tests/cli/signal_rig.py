"""Rounds of stop signals against real processes: one process, 1-3 signals among SIGTERM,
SIGINT and SIGHUP at planned moments, and what came of it (status, time, leftovers).

A plan is drawn from a ``random.Random``: the first signal during the start-up (a delay
after the spawn, whether or not the process is up yet) or while running (a delay after it
said it was up), then the gaps to the next ones: back to back (the second lands while
the first is being handled: up to 3 ms) or up to 0.4 s (during the stop, or after it).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).with_name("otp-broker")
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
BURST = (signal.SIGTERM, signal.SIGTERM, signal.SIGINT)
#: Our handlers are in place when SIGTERM and SIGHUP are both caught (Python itself catches
#: SIGINT from the start, and neither of the others): bits of /proc/PID/status ``SigCgt``.
OURS = (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))


@dataclass(frozen=True)
class Plan:
    """When the signals go: the first after ``delay`` s of ``phase``, then after ``gaps``."""

    phase: str  # "start-up" (from the spawn) or "running" (from the process saying so)
    delay: float
    signals: tuple[signal.Signals, ...]
    gaps: tuple[float, ...]

    @classmethod
    def draw(cls, rng: random.Random, start_up: float, phases: tuple[str, ...]) -> Plan:
        """A random plan in one of ``phases``; the start-up phase covers ``start_up`` s."""
        count = rng.randint(1, 3)
        phase = rng.choice(phases)
        delay = rng.uniform(0, start_up if phase == "start-up" else 0.5)
        gaps = tuple(rng.uniform(0, 0.003 if rng.random() < 0.5 else 0.4) for _ in range(count - 1))
        return cls(phase, delay, tuple(rng.choice(SIGNALS) for _ in range(count)), gaps)

    @classmethod
    def burst(cls, rng: random.Random) -> Plan:
        """SIGTERM, SIGTERM, SIGINT within a few milliseconds while running: a supervisor
        escalating, Ctrl-C pressed twice (the sequence that hung the Event-based handlers)."""
        gaps = (rng.uniform(0, 0.003), rng.uniform(0, 0.003))
        return cls("running", rng.uniform(0, 0.5), BURST, gaps)

    def __str__(self) -> str:
        names = " ".join(
            f"+{gap:.3f}s {sig.name}"
            for gap, sig in zip((0, *self.gaps), self.signals, strict=True)
        )
        return f"{self.phase}+{self.delay:.3f}s: {names}"


@dataclass
class Outcome:
    """What one process did with its plan."""

    what: str
    plan: Plan
    ours: bool = False  # our handlers were in place before the first signal
    was_up: bool = False  # it had said it was up before the first signal
    status: int | None = None  # None: still running at the bound (then killed)
    took: float = 0.0  # seconds from the first signal until it was gone
    during_stop: int = 0  # signals that reached it after the first, while it still ran
    leftovers: list[str] = field(default_factory=list)
    log: str = ""

    def problem(self, bound: float) -> str | None:
        """Why this outcome is wrong, or None."""
        if self.status is None:
            return f"still running {bound:g} s after the first signal"
        if self.ours and self.status != 0:
            return f"exit status {self.status} although our handlers were in place"
        if self.leftovers:
            return f"left behind: {self.leftovers}"
        return None


#: The signals that stop our long-running commands.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def default_stop_signals() -> Iterator[None]:
    """Commands started meanwhile get the stop signals at their default action, as a
    supervisor starts them: an ignored disposition (a test runner under ``nohup`` ignores
    SIGHUP; one may ignore SIGINT) is inherited, and a signal landing before a command has
    installed its handlers would be lost. Main thread only; restored afterwards."""
    ignored = [s for s in STOP_SIGNALS if signal.getsignal(s) == signal.SIG_IGN]
    for signum in ignored:
        signal.signal(signum, signal.SIG_DFL)
    try:
        yield
    finally:
        for signum in ignored:
            signal.signal(signum, signal.SIG_IGN)


class Process:
    """A command of ours as a process, its output in files under ``directory``."""

    def __init__(self, directory: Path, name: str, argv: list[str], **env: str) -> None:
        self.out, self.err = directory / f"{name}.out", directory / f"{name}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.popen = subprocess.Popen([str(BIN), *argv], stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL, env={**os.environ, **env})  # fmt: skip

    def said(self, text: str) -> bool:
        """True once ``text`` is in its standard output."""
        return text in self.out.read_text()

    def handlers_ours(self) -> bool:
        """True when SIGTERM and SIGHUP are caught (False once it has gone)."""
        try:
            status = Path(f"/proc/{self.popen.pid}/status").read_text()
        except OSError:
            return False
        caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        return int(caught.split()[1], 16) & OURS == OURS

    def end(self) -> None:
        """SIGKILL if still running (clean-up after a failure)."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(30)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate``; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def signal_round(process: Process, plan: Plan, up: str, bound: float, what: str) -> Outcome:
    """Send ``plan``'s signals (the running phase starts when ``up`` is printed), then wait
    up to ``bound`` s from the first signal for the process to be gone."""
    outcome = Outcome(what, plan)
    popen = process.popen
    if plan.phase == "running":
        wait_for(lambda: process.said(up) or popen.poll() is not None, 120, f"{what}: {up!r}")
    time.sleep(plan.delay)
    outcome.ours, outcome.was_up = process.handlers_ours(), process.said(up)
    first = time.monotonic()
    if plan.gaps and max(plan.gaps) < 0.01:  # milliseconds apart
        send_burst(popen.pid, plan)  # not reaped meanwhile: the pid stays this process's
        outcome.during_stop = len(plan.gaps)
    else:
        for index, (gap, signum) in enumerate(zip((0.0, *plan.gaps), plan.signals, strict=True)):
            time.sleep(gap)
            if popen.poll() is None:
                outcome.during_stop += index > 0
                popen.send_signal(signum)
    try:
        outcome.status = popen.wait(max(0.1, bound - (time.monotonic() - first)))
    except subprocess.TimeoutExpired:
        process.end()
    outcome.took = time.monotonic() - first
    outcome.log = process.err.read_text()[-1500:]
    return outcome


#: Sends signals to a pid after spun gaps, alone in its process: in the test's own process
#: other threads would take the interpreter between two signals and stretch the gaps.
SENDER = """
import os, sys, time
pid = int(sys.argv[1])
for step in sys.argv[2:]:
    signum, gap = step.split(":")
    end = time.perf_counter() + float(gap)
    while time.perf_counter() < end:
        pass
    os.kill(pid, int(signum))
"""


def send_burst(pid: int, plan: Plan) -> None:
    """Send ``plan``'s signals, milliseconds apart, from a process of their own."""
    steps = [f"{int(sig)}:{gap}" for gap, sig in zip((0.0, *plan.gaps), plan.signals, strict=True)]
    subprocess.run([sys.executable, "-c", SENDER, str(pid), *steps], check=True, timeout=60)


def leftovers(marker: str, spared: set[int], timeout: float = 15) -> list[str]:
    """Processes (not zombies, not ``spared``) whose command line names ``marker``, once
    ``timeout`` s have given them time to go; "pid: command" each."""
    found: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in spared:
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in command:
                found.append(f"{entry.name}: {command.strip()}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
