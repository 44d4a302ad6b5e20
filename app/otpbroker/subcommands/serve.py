"""``otp-broker serve``: run the broker until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from otpbroker.bootstrap import Broker
from otpbroker.config.errors import ConfigError
from otpbroker.domain.front import FrontUnavailable
from otpbroker.system import readiness
from otpbroker.system.haproxy_front import haproxy_binary

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand."""
    parser = commands.add_parser("serve", help="run the broker (REST API, modems)")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
    parser.add_argument(
        "--http-port", type=int, default=None, help="default: api.http_port (0: a free port)"
    )
    parser.add_argument(
        "--https-port", type=int, default=None, help="default: api.https_port (0: a free port)"
    )
    parser.add_argument(
        "--modem",
        action="append",
        default=[],
        metavar="PORT",
        help="register a modem at this serial port if it is not configured yet (repeatable)",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Start the broker and wait for SIGTERM/SIGINT."""
    try:
        haproxy_binary()  # the broker serves only through its front
    except FrontUnavailable as exc:
        print(f"otp-broker serve: error: {exc}", file=sys.stderr)
        return 1
    broker = Broker(args.data_dir)
    try:
        broker.modem_records.register_ports(args.modem)
    except ConfigError as exc:
        print(f"otp-broker serve: error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    listeners = broker.start(args.host, args.http_port, args.https_port)
    serving = []
    for status in listeners.statuses():
        if status.state == "listening":
            serving.append(status.url)
            print(f"otp-broker serving on {status.url}", flush=True)
        elif status.state == "error":
            print(f"otp-broker serve: {status.scheme.upper()} not listening: {status.error}",
                  file=sys.stderr, flush=True)  # fmt: skip
    # Ready even when a port is still busy: that listener keeps trying by itself.
    readiness.ready("serving on " + ", ".join(serving) if serving else "started; no port open yet")
    try:
        stop.wait()
    finally:
        broker.stop()
    return 0
