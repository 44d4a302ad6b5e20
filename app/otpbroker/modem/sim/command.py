"""``otp-broker modem-sim``: run a bank of emulated modems until SIGTERM, SIGINT or SIGHUP."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
import threading
from typing import Any

from otpbroker.i18n.translate import _
from otpbroker.stop_signals import StopSignals, exit_after, stop_watched

from .balance_replies import with_balance
from .bank import ModemBank
from .command_options import add_options
from .identity import timing
from .profile import default_ussd
from .replay_command import run_replay

log = logging.getLogger(__name__)

#: Seconds the clean stop of the bank may take before the process ends itself (status 1).
STOP_BOUND = 20.0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``modem-sim`` subcommand to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "modem-sim",
        help=_("emulate GSM modems on pseudo-terminals"),
        description=_(
            "Emulated GSM modems on pseudo-terminals. Prints one line per modem: "
            "<pty path> <imei> <imsi> <msisdn>, then runs until SIGTERM, SIGINT or SIGHUP."
        ),
    )
    add_options(parser)
    parser.set_defaults(handler=run)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Profile fields from the command line, on top of realistic timing."""
    fields: dict[str, Any] = {"pin": args.pin}
    if args.delay is not None:
        fields["send_delay"] = args.delay
    if args.ussd_delay is not None:
        fields["ussd_delay"] = args.ussd_delay
    if args.prompt_delay is not None:
        fields["prompt_delay"] = args.prompt_delay
    if args.condition:
        fields["conditions"] = tuple(",".join(args.condition).split(","))
    if args.urc_interval:
        fields["urc_interval"] = args.urc_interval
    if getattr(args, "data_port", False):
        fields["data_port"] = True
    if getattr(args, "balance", None):
        fields["ussd"] = functools.reduce(with_balance, args.balance, default_ussd())
    return timing(True, fields)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Run the bank until SIGTERM, SIGINT or SIGHUP (or ``stop``, for in-process callers).

    The first signal stops the bank cleanly; a second one during that stop ends the process
    at once. An in-process caller (``stop`` given) gets its own handlers back at the end;
    the command keeps ours, so a late signal cannot end it with another status."""
    count = len(args.profiles) if args.count is None else args.count
    if count < 1:
        print("modem-sim: --count must be at least 1", file=sys.stderr)
        return 2
    signals = StopSignals()
    signals.install()  # main thread only; a signal while the bank starts is kept for after
    try:
        if getattr(args, "replay", None):
            return run_replay(args, signals, stop)
        return _run_bank(args, count, signals, stop)
    finally:
        if stop is not None:
            signals.restore()


def _run_bank(
    args: argparse.Namespace, count: int, signals: StopSignals, stop: threading.Event | None
) -> int:
    """Build and start the bank, wait for a signal or ``stop``, then stop the bank."""
    owned = stop is None and signals.installed  # the command owns the process
    try:
        bank = ModemBank(
            count,
            personalities=args.profiles,
            link_dir=args.link_dir,
            deliveries_path=args.deliveries,
            control_path=args.control,
            seed=args.seed,
            **_overrides(args),
        )
    except ValueError as exc:
        print(f"modem-sim: {exc}", file=sys.stderr)
        return 2
    try:
        bank.start()
        _announce(bank, args.fault)
        _deliver(bank, getattr(args, "receive", []))
        came = signals.pending()
        while not came and not (stop is not None and stop.is_set()):
            came = signals.wait(None if owned else 0.2)
    except BaseException:
        bank.stop()
        raise
    if not owned:
        bank.stop()
        return 0
    exit_after(STOP_BOUND, 1, f"modem-sim: the bank did not stop in {STOP_BOUND:g} s")
    failure = stop_watched(bank.stop, signals, _at_once)
    signals.ignore()  # stopped: a late signal changes nothing, not even the exit status
    if failure is not None:
        raise failure
    return 0


def _announce(bank: ModemBank, faults: list[tuple[str, dict[str, Any]]]) -> None:
    """Inject the faults, then print one line per modem."""
    for modem in bank:
        for kind, params in faults:
            modem.inject(kind, **params)
    for modem in bank:
        profile = modem.profile
        extra = f" {modem.data_port.path}" if modem.data_port is not None else ""
        print(f"{modem.path} {modem.imei} {profile.imsi} {profile.msisdn}{extra}", flush=True)
    log.info("%d emulated modems running", len(bank))


def _deliver(bank: ModemBank, messages: list[tuple[str, str]]) -> None:
    """Hand every modem the ``--receive`` messages (a full SIM memory is logged)."""
    for modem in bank:
        for sender, text in messages:
            try:
                modem.receive_sms(sender, text)
            except ValueError as exc:
                log.warning("modem %s: received SMS refused: %s", modem.imei, exc)


def _at_once(signum: int) -> None:
    """A second signal while the bank stops: end now (links and socket may stay behind)."""
    os._exit(0)
