"""Benchmark the priority lanes: how long an OTP waits on a modem busy with bulk traffic.

One emulated modem whose network takes ``--delay`` seconds per SMS; ``--bulk`` bulk messages
are queued at once, then ``--otp`` OTPs arrive one every ``--otp-gap`` seconds while the
bulk backlog is still waiting. An OTP's wait runs from its submission to the moment the
emulator reads its PDU; the send time is the modem's median interval between two PDUs.
Prints the OTP wait p50/p99, the send time and p99 / send time (the lanes promise an OTP
waits at most for the one send in flight: a ratio of about 1 or less).

Figures only, nothing passes or fails on time; but the benchmark refuses to print (exit
status 1, with the reason) when it could not measure: an OTP not sent, a PDU not seen, or
no bulk message left waiting behind the last OTP (then the OTPs did not compete).
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
import threading
import time

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.transport import SerialSettings

NUMBER = "628126666666"
MODEM = "bench"


class Unmeasured(Exception):
    """The run could not measure what it promises; the text says why."""


def start(delay: float) -> tuple[SimModem, ModemPool]:
    """One emulated modem at ``delay`` s per SMS and a pool with it, ready."""
    sim = SimModem(ModemProfile(send_delay=delay)).start()
    pool = ModemPool(reconnect_delays=(0.1, 0.2))
    options = ModemOptions(result_timeout=max(60.0, 3 * delay))
    pool.apply([ModemSpec(MODEM, MODEM, SerialSettings(port=sim.port), options)])
    deadline = time.monotonic() + 20
    while not all(status.connected for status in pool.statuses()):
        if time.monotonic() > deadline:
            raise Unmeasured(f"the emulated modem never became ready: {pool.statuses()}")
        time.sleep(0.05)
    return sim, pool


def submit(pool: ModemPool, text: str, lane: Lane, results: dict[str, Delivery]) -> None:
    """Send one message in a background thread; its delivery lands in ``results``."""

    def run() -> None:
        message = pool.encode(OutboundSms(NUMBER, text, None, "bench"), 1)
        results[text] = pool.send([MODEM], message, 24 * 3600, lane=lane)

    threading.Thread(target=run, name=text, daemon=True).start()


def measure(sim: SimModem, pool: ModemPool, args: argparse.Namespace) -> dict[str, float]:
    """Queue the bulk backlog, then the OTPs; the OTP waits and the modem's send time."""
    results: dict[str, Delivery] = {}
    for index in range(args.bulk):
        submit(pool, f"bulk {index}", Lane.BULK, results)
    deadline = time.monotonic() + 30
    while pool.waiting() < args.bulk - 1:  # one is on the modem, the rest wait
        if time.monotonic() > deadline:
            raise Unmeasured(f"only {pool.waiting()} of {args.bulk} bulk messages queued")
        time.sleep(0.01)
    submitted: dict[str, float] = {}
    otps = [f"otp {index}" for index in range(args.otp)]
    for text in otps:
        submitted[text] = time.perf_counter()
        submit(pool, text, Lane.OTP, results)
        time.sleep(args.otp_gap)
    deadline = time.monotonic() + (args.otp + 2) * (args.delay + 5) + 30
    while not all(text in results for text in otps):
        if time.monotonic() > deadline:
            done = sum(text in results for text in otps)
            raise Unmeasured(f"only {done} of {args.otp} OTPs came back")
        time.sleep(0.05)
    unsent = [t for t in otps if results[t].outcome is not SendOutcome.SENT]
    if unsent:
        raise Unmeasured(f"{len(unsent)} of {args.otp} OTPs were not sent: {unsent[:3]}")
    if pool.waiting() == 0:
        raise Unmeasured("no bulk message was left waiting behind the last OTP: use more --bulk")
    received = {part.submit.text: part.received_at for part in sim.log.parts}
    missing = [t for t in otps if t not in received]
    if missing:
        raise Unmeasured(f"the emulator saw no PDU for {len(missing)} OTPs")
    waits = sorted(received[t] - submitted[t] for t in otps)
    moments = sorted(received.values())
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    if not gaps:
        raise Unmeasured("fewer than two PDUs: no send time")
    send_time = statistics.median(gaps)
    p99 = waits[max(0, math.ceil(0.99 * len(waits)) - 1)]
    return {"p50": statistics.median(waits), "p99": p99, "send": send_time}


GOAL_RATIO = 1.1
"""The goal users feel: an OTP behind a bulk backlog reaches the modem within about one send."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bulk", type=int, default=200, help="bulk messages queued first")
    parser.add_argument("--otp", type=int, default=20, help="OTPs arriving after them")
    parser.add_argument("--delay", type=float, default=2.0, help="network seconds per SMS")
    parser.add_argument(
        "--otp-gap", type=float, default=None, help="seconds between OTPs (default 1.25 x delay)"
    )
    args = parser.parse_args(argv)
    if args.otp_gap is None:
        args.otp_gap = 1.25 * args.delay
    if args.bulk < 2 or args.otp < 1 or args.delay < 0 or args.otp_gap < 0:
        parser.error("need --bulk >= 2, --otp >= 1, --delay >= 0 and --otp-gap >= 0")
    try:
        sim, pool = start(args.delay)
    except Unmeasured as exc:
        print(f"bench_priority: not measured: {exc}", file=sys.stderr)
        return 1
    try:
        figures = measure(sim, pool, args)
    except Unmeasured as exc:
        print(f"bench_priority: not measured: {exc}", file=sys.stderr)
        return 1
    finally:
        pool.stop()
        sim.stop()
    print(f"priority lanes: {args.bulk} bulk then {args.otp} OTPs (one every "
          f"{args.otp_gap:g} s) on one modem at {args.delay:g} s/SMS")  # fmt: skip
    print(f"  OTP wait p50 {figures['p50']:.2f} s, p99 {figures['p99']:.2f} s")
    print(f"  send time (median interval between PDUs) {figures['send']:.2f} s")
    ratio = figures["p99"] / figures["send"]
    met = "met" if ratio <= GOAL_RATIO else "MISSED"
    print(f"  p99 / send time = {ratio:.2f}   (goal <= {GOAL_RATIO:g}: an OTP waits at most for "
          f"the send in flight) {met}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
