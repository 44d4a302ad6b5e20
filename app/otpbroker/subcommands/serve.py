"""``otp-broker serve``: run the broker until SIGTERM, SIGINT or SIGHUP, then stop gracefully."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from typing import TYPE_CHECKING

from otpbroker.domain.front import FrontUnavailable
from otpbroker.i18n.translate import _
from otpbroker.stop_signals import StopSignals, exit_after, stop_watched
from otpbroker.subcommands import error_prefix
from otpbroker.system import readiness
from otpbroker.system.haproxy_front import haproxy_binary

if TYPE_CHECKING:
    from otpbroker.bootstrap import Broker

log = logging.getLogger(__name__)

#: Seconds the whole stop (the interpreter's exit included) may run past
#: ``Broker.stop_bound()`` before the process ends itself.
STOP_MARGIN = 5.0
#: Exit status of a stop that did not end within its bound.
STOP_OVERRUN = 3


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand."""
    parser = commands.add_parser("serve", help=_("run the broker (REST API, modems)"))
    parser.add_argument("--host", default="0.0.0.0", help=_("address to listen on"))  # noqa: S104
    parser.add_argument(
        "--http-port", type=int, default=None, help=_("default: api.http_port (0: a free port)")
    )
    parser.add_argument(
        "--https-port", type=int, default=None, help=_("default: api.https_port (0: a free port)")
    )
    parser.add_argument(
        "--modem",
        action="append",
        default=[],
        metavar="PORT",
        help=_("register a modem at this serial port if it is not configured yet (repeatable)"),
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Start the broker and serve until SIGTERM, SIGINT or SIGHUP; stop gracefully."""
    signals = StopSignals()
    signals.install()  # first of all: a signal during the start-up is kept for after it
    # The app is imported only now (a second or more on a small board), with the signals caught.
    from otpbroker.bootstrap import Broker
    from otpbroker.config.errors import ConfigError

    try:
        haproxy_binary()  # the broker serves only through its front
    except FrontUnavailable as exc:
        print(error_prefix("otp-broker serve"), exc, file=sys.stderr)
        return 1
    broker = Broker(args.data_dir)
    try:
        broker.modem_records.register_ports(args.modem)
    except ConfigError as exc:
        print(error_prefix("otp-broker serve"), exc, file=sys.stderr)
        return 2
    came = signals.pending()
    if came:
        log.info("%s during the start-up: not starting", _names(came))
    else:
        _start(broker, args)
        while not came:
            came = signals.wait()
    return _stop(broker, signals, came)


def _start(broker: Broker, args: argparse.Namespace) -> None:
    """Start the broker, print its URLs and tell systemd it is ready."""
    listeners = broker.start(args.host, args.http_port, args.https_port)
    serving = []
    for status in listeners.statuses():
        if status.state == "listening":
            serving.append(status.url)
            print(f"otp-broker serving on {status.url}", flush=True)  # read by scripts: English
        elif status.state == "error":
            refused = _("otp-broker serve: {scheme} not listening: {error}")
            print(refused.format(scheme=status.scheme.upper(), error=status.error),
                  file=sys.stderr, flush=True)  # fmt: skip
    # Ready even when a port is still busy: that listener keeps trying by itself.
    readiness.ready("serving on " + ", ".join(serving) if serving else "started; no port open yet")


def _stop(broker: Broker, signals: StopSignals, came: list[int]) -> int:
    """The graceful stop, on a thread of its own while signals are still read: a second
    signal hurries it; past its bound the process ends itself (status ``STOP_OVERRUN``)."""
    began = time.monotonic()
    bound = broker.stop_bound() + STOP_MARGIN
    overrun = _("otp-broker serve: the stop did not end in {seconds} s")
    exit_after(bound, STOP_OVERRUN, overrun.format(seconds=f"{bound:g}"))
    readiness.stopping(bound + STOP_MARGIN)  # systemd waits a little longer than we do
    log.info("%s: stopping (at most %g s)", _names(came[:1]), bound)
    broker.shutdown.begin()
    if len(came) > 1:
        _hurry(broker, came[1])
    failure = stop_watched(broker.stop, signals, lambda signum: _hurry(broker, signum))
    signals.ignore()  # stopped: a late signal changes nothing, not even the exit status
    took = time.monotonic() - began
    if failure is not None:
        log.error("the stop failed after %.2f s", took, exc_info=failure)
        return 1
    log.info("stopped in %.2f s%s", took, " (hurried)" if broker.shutdown.hurried else "")
    return 0


def _hurry(broker: Broker, signum: int) -> None:
    """A further signal during the stop: make it the shortest safe one."""
    if not broker.shutdown.hurried:
        log.info("%s during the stop: hurrying", _names([signum]))
    broker.shutdown.hurry()


def _names(signums: list[int]) -> str:
    """Signal names for the log: "SIGTERM, SIGINT"."""
    return ", ".join(signal.Signals(signum).name for signum in signums)
