"""Stop signals never hang: real ``otp-broker serve`` and ``otp-broker modem-sim`` processes
get 1-3 signals among SIGTERM, SIGINT and SIGHUP at random moments (during the start-up,
while running, during the stop) and every one is gone within its stop bound, exits 0
whenever our handlers were in place before the first signal, and leaves no child behind
(serve's haproxy included).

100 rounds: 60 of serve, each on its own emulated modem, which gets its own signals once
serve has gone, and 40 of modem-sim alone, signalled from its spawn. Then 40 modem-sim
rounds, two at a time, get SIGTERM, SIGTERM, SIGINT within a few milliseconds: the
sequence that hung the handlers that set a ``threading.Event`` (a window microseconds
wide, which random moments seldom meet). The other rounds run four at a time. The moments come from one
seed, printed and named in every failure: ``STOP_SIGNALS_SEED=N`` replays them.
"""

from __future__ import annotations

import os
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))
from crash_rig import NO_PACING
from signal_rig import Outcome, Plan, Process, leftovers, signal_round, wait_for

from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore
from otpbroker.domain.front import FrontUnavailable
from otpbroker.system.haproxy_front import haproxy_binary

SERVE_ROUNDS = 60
SIM_START_ROUNDS = 40
BURST_ROUNDS = 40
BURSTS_AT_ONCE = 2
AT_ONCE = 4
STOP_TIMEOUT = 10  # sms.stop_timeout_seconds: Broker.stop_bound() is 25 s
#: A start-up still under way at the first signal ends before the stop begins: generous.
START_UP = 60.0
SERVE_BOUND = START_UP + STOP_TIMEOUT + 15 + 5  # + Broker.stop_bound() + serve's margin
SIM_BOUND = START_UP + 20  # + modem-sim's bound for stopping its bank


@pytest.fixture(scope="module")
def seed() -> int:
    try:
        haproxy_binary()
    except FrontUnavailable as exc:
        pytest.skip(f"serve needs its front: {exc}")
    value = int(os.environ.get("STOP_SIGNALS_SEED") or random.SystemRandom().randrange(2**31))
    print(f"stop signals seed {value} (replay: STOP_SIGNALS_SEED={value})")
    return value


def configure(data_dir: Path, port: str) -> None:
    """One emulated modem, no sending limits, a short wait for sends on the air."""
    store = ConfigStore(data_dir)
    try:
        store.add("modems", {"name": "sim", "port": port, "default_modem": True, **NO_PACING})
        off = {key: 0 for key in RATE_LIMIT_KEYS}
        store.update_settings({**off, "sms.stop_timeout_seconds": STOP_TIMEOUT})
    finally:
        store.close()


def modem_sim(directory: Path, index: int) -> Process:
    argv = ["modem-sim", "--count", "1", "--seed", str(index), "--delay", "0",
            "--prompt-delay", "0", "--deliveries", str(directory / "deliveries.jsonl")]  # fmt: skip
    return Process(directory, "modem-sim", argv)


def serve_round(tmp: Path, seed: int, index: int) -> list[Outcome]:
    """serve on its own modem: signals for serve, then (once it has gone) for the modem."""
    rng = random.Random(f"{seed}:serve:{index}")
    directory = tmp / f"serve-{index}"
    (directory / "run").mkdir(parents=True)
    sim = modem_sim(directory, index)
    started = [sim]
    try:
        wait_for(lambda: sim.out.read_text().endswith("\n"), 120, "the emulated modem")
        configure(directory / "data", sim.out.read_text().split()[0])
        argv = ["--data-dir", str(directory / "data"), "serve", "--host", "127.0.0.1",
                "--http-port", "0"]  # fmt: skip
        serve = Process(directory, "serve", argv, OTP_BROKER_RUNTIME_DIR=str(directory / "run"))
        started.append(serve)
        plan = Plan.draw(rng, 3.0, ("start-up", "running"))
        served = signal_round(serve, plan, "serving on", SERVE_BOUND, f"serve round {index}")
        served.leftovers = leftovers(str(directory), {sim.popen.pid})
        plan = Plan.draw(rng, 0.0, ("running",))
        simmed = signal_round(sim, plan, "\n", SIM_BOUND, f"modem-sim of serve round {index}")
        simmed.leftovers = leftovers(str(directory), set())
        return [served, simmed]
    finally:
        for process in started:
            process.end()


def sim_round(tmp: Path, seed: int, index: int, kind: str) -> list[Outcome]:
    """modem-sim alone: its first signal within 0.8 s of its spawn ("start-up"), or the
    burst of three while it runs ("burst")."""
    rng = random.Random(f"{seed}:{kind}:{index}")
    directory = tmp / f"{kind}-{index}"
    directory.mkdir()
    sim = modem_sim(directory, 1000 + index)
    try:
        plan = Plan.burst(rng) if kind == "burst" else Plan.draw(rng, 0.8, ("start-up",))
        outcome = signal_round(sim, plan, "\n", SIM_BOUND, f"modem-sim {kind} round {index}")
        outcome.leftovers = leftovers(str(directory), set())
        return [outcome]
    finally:
        sim.end()


def report(outcomes: list[Outcome], kind: str) -> str:
    """One line on what the rounds of ``kind`` covered."""
    mine = [o for o in outcomes if o.what.startswith(kind)]
    early = sum(o.ours and not o.was_up for o in mine)
    hurried = sum(o.during_stop > 0 for o in mine)
    slowest = max((o.took for o in mine), default=0.0)
    return (f"{kind}: {len(mine)} processes, {sum(o.ours for o in mine)} with our handlers "
            f"({early} signalled before they were up), {hurried} signalled again while "
            f"stopping; slowest {slowest:.2f} s")  # fmt: skip


def test_any_stop_signals_at_any_moment_end_every_process(tmp_path: Path, seed: int) -> None:
    with ThreadPoolExecutor(AT_ONCE) as pool:
        rounds = [pool.submit(serve_round, tmp_path, seed, i) for i in range(SERVE_ROUNDS)]
        rounds += [
            pool.submit(sim_round, tmp_path, seed, i, "start-up") for i in range(SIM_START_ROUNDS)
        ]
        outcomes = [outcome for done in rounds for outcome in done.result()]
    # Bursts hit a process at work on a CPU: with all signals already pending when it gets
    # one, its handlers would run one after the other and never inside each other.
    with ThreadPoolExecutor(BURSTS_AT_ONCE) as pool:
        rounds = [pool.submit(sim_round, tmp_path, seed, i, "burst") for i in range(BURST_ROUNDS)]
        outcomes += [outcome for done in rounds for outcome in done.result()]
    problems = []
    for outcome in outcomes:
        bound = SERVE_BOUND if outcome.what.startswith("serve") else SIM_BOUND
        problem = outcome.problem(bound)
        if problem:
            problems.append(f"{outcome.what} [{outcome.plan}]: {problem}\n{outcome.log}")
    for kind in ("serve", "modem-sim"):
        print(report(outcomes, kind))
    print("\n".join(problem.partition("\n")[0] for problem in problems))
    assert not problems, f"seed {seed}: {len(problems)} bad endings\n" + "\n".join(problems)
    serving = [o for o in outcomes if o.what.startswith("serve")]
    # The moments did reach the cases that matter (with any seed, by a wide margin).
    assert sum(o.ours and not o.was_up for o in serving) >= 5, report(outcomes, "serve")
    assert sum(o.ours and o.during_stop > 0 for o in serving) >= 10, report(outcomes, "serve")
