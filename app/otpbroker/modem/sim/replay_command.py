"""``otp-broker modem-sim --replay REPORT``: field reports replayed as emulated modems.

Each report becomes one modem on its own pty (``replay.py``); one line per modem is printed,
``<pty path> <imei> replay <model>``, then the modems answer until SIGTERM, SIGINT or SIGHUP
(or ``stop``, for in-process callers).
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from otpbroker.domain.field_report import Report, ReportError
from otpbroker.i18n.translate import _
from otpbroker.stop_signals import StopSignals

from .deliveries import DeliveryLog
from .replay import ReplayModem, load_report


def report_argument(value: str) -> tuple[str, Report]:
    """An argparse type: the report in file ``value``, refused with the reason."""
    try:
        return value, load_report(value)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def speed_argument(value: str) -> float:
    """An argparse type: the timing factor, 0 (at once) to 100."""
    try:
        factor = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a number").format(value=repr(value))
        ) from None
    if not 0 <= factor <= 100:  # NaN fails this too
        text = _("{value} must be between 0 and 100").format(value=repr(value))
        raise argparse.ArgumentTypeError(text)
    return factor


def run_replay(args: argparse.Namespace, signals: StopSignals, stop: threading.Event | None
               ) -> int:  # fmt: skip
    """Start a modem per report, print their lines, answer until a signal or ``stop``."""
    log = DeliveryLog(args.deliveries)
    scale, links = args.replay_timing, args.link_dir
    modems = [
        ReplayModem(report, scale=scale, link_dir=links, log=log, name=Path(path).stem)
        for path, report in args.replay
    ]
    try:
        for modem in modems:
            modem.start()
            print(f"{modem.path} {modem.imei} replay {modem.model}", flush=True)
        came = signals.pending()
        owned = stop is None and signals.installed
        while not came and not (stop is not None and stop.is_set()):
            came = signals.wait(None if owned else 0.2)
    finally:
        for modem in modems:
            modem.stop()
    return 0


__all__ = ["report_argument", "run_replay", "speed_argument"]
