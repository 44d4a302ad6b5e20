"""Graceful stops at full size: 3,000 OTPs over REST, RabbitMQ and MQTT while
``otp-broker serve`` gets SIGTERM at random moments in 50 rounds, restarted each time on the
same data directory and the same emulated modems (``tests/system/stop_rig.py``; ``make test``
runs it with 300 OTPs in 20 rounds).

Prints the seed, the stop times (min / median / max), the exit codes, the deliveries (lost,
duplicated), the REST clients' final answers and every REST attempt by what it got and the
phases of serve it spanned, then the broken invariants. Exits 1 when a message was lost or
delivered twice, a REST request got no definite answer or serve exited non-zero; a stop over
the broker's bound is printed but never fails the run (a time).
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "feeders"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "system"))

from amqp_tools import rabbitmq_available
from mqtt_tools import mosquitto_available
from stop_rig import Plan, StopRig


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000, help="OTPs in the stream")
    parser.add_argument("--rounds", type=int, default=50, help="stops before the final serve")
    parser.add_argument("--modems", type=int, default=3, help="emulated modems")
    parser.add_argument("--delay", type=float, default=0.3, help="seconds per SMS on a modem")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run (default: random)")
    parser.add_argument("--signal", default="SIGTERM", choices=("SIGTERM", "SIGINT", "SIGKILL"),
                        help="each round's stop (SIGKILL: a crash, for comparison)")  # fmt: skip
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if not rabbitmq_available() or not mosquitto_available():
        print("needs RabbitMQ on 127.0.0.1:5672 and Mosquitto on 127.0.0.1:1883 "
              "(scripts/ensure-services.sh)")  # fmt: skip
        return 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    plan = Plan(args.messages, args.rounds, args.modems, args.delay, seed,
                final_timeout=max(120.0, args.messages * 0.5),
                signum=signal.Signals[args.signal])  # fmt: skip
    print(f"graceful stops: {plan.messages} OTPs, {plan.rounds} rounds of {args.signal}, "
          f"{plan.modems} modems at {plan.send_delay:g} s per SMS")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="otpb-bench-stop-") as tmp:
        rig = StopRig(Path(tmp), plan)
        try:
            report = rig.run()
        finally:
            rig.close()
    print("\n".join(report.lines()))
    broken = report.violations()
    print("broken invariants:" if broken else "every invariant held")
    for line in broken:
        print(f"  - {line}")
    return 1 if report.violations(with_bound=False) else 0


if __name__ == "__main__":
    sys.exit(main())
