"""``otp-broker modem-sim``: run a bank of emulated modems until SIGTERM, SIGINT or SIGHUP."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
import threading
from typing import Any

from otpbroker.stop_signals import StopSignals, exit_after, stop_watched

from .balance_replies import balance_reply, with_balance
from .bank import ModemBank
from .conditions import CONDITION_NAMES, parse_conditions
from .faults import FAULT_KINDS, parse_fault
from .identity import timing
from .inbound import deliver_parts
from .personalities import DEFAULT, NAMES, personality
from .profile import default_ussd
from .replay_command import report_argument, run_replay, speed_argument

log = logging.getLogger(__name__)

#: Seconds the clean stop of the bank may take before the process ends itself (status 1).
STOP_BOUND = 20.0


def _fault(value: str) -> tuple[str, dict[str, Any]]:
    try:
        return parse_fault(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _profiles(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",")]
    try:
        for name in names:
            personality(name)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return names


def _conditions(value: str) -> str:
    try:
        parse_conditions(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``modem-sim`` subcommand to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "modem-sim",
        help="emulate GSM modems on pseudo-terminals",
        description="Emulated GSM modems on pseudo-terminals. Prints one line per modem: "
        "<pty path> <imei> <imsi> <msisdn>, then runs until SIGTERM, SIGINT or SIGHUP.",
    )
    parser.add_argument(
        "--count", type=int, help="number of modems (default: one per name in --profile)"
    )
    parser.add_argument(
        "--profile",
        "--profiles",
        dest="profiles",
        type=_profiles,
        default=[DEFAULT],
        metavar="NAME[,NAME...]",
        help=f"modem personalities, handed out in turn ({', '.join(NAMES)}; default {DEFAULT})",
    )
    parser.add_argument(
        "--condition",
        action="append",
        type=_conditions,
        default=[],
        metavar="NAME[:PARAM][,...]",
        help=f"network conditions of every modem ({', '.join(CONDITION_NAMES)}); repeatable",
    )
    parser.add_argument(
        "--delay",
        type=_seconds,
        metavar="S",
        help="seconds from PDU to +CMGS (default: random 1-6 s per message, seeded)",
    )
    parser.add_argument(
        "--ussd-delay",
        type=_seconds,
        metavar="S",
        help="seconds until the network answers USSD (default: random 1-5 s, seeded)",
    )
    parser.add_argument(
        "--prompt-delay",
        type=_seconds,
        metavar="S",
        help="seconds from AT+CMGS to the '> ' prompt (default 0.05)",
    )
    parser.add_argument("--deliveries", metavar="FILE", help="append delivered messages as JSON")
    parser.add_argument("--link-dir", metavar="DIR", help="keep <DIR>/<imei> -> pty symlinks")
    parser.add_argument("--pin", help="SIM PIN (SIMs start locked)")
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="KIND[:PARAM]",
        help=f"fault applied to every modem at start ({', '.join(FAULT_KINDS)}); repeatable",
    )
    parser.add_argument(
        "--receive",
        action="append",
        type=_inbound,
        default=[],
        metavar="SENDER:TEXT",
        help="an SMS every modem receives once started (stored on its SIM, announced with "
        '+CMTI); repeatable. While running: the control action "receive"',
    )
    parser.add_argument(
        "--balance",
        action="append",
        type=_balance,
        default=[],
        metavar="OPERATOR:AMOUNT:YYYY-MM-DD",
        help="the operator's balance code answers with this credit and active-until date, "
        "in that operator's reply shape (telkomsel, xl, indosat, three, smartfren, axis)",
    )
    parser.add_argument("--control", metavar="SOCKET", help="Unix socket for JSON-line control")
    parser.add_argument("--seed", type=int, help="seed for identities and noise")
    parser.add_argument(
        "--urc-interval", type=float, metavar="S", help="mean seconds between random URCs"
    )
    parser.add_argument(
        "--data-port",
        action="store_true",
        help="give each modem a second (data) port; its path is printed as a fifth column",
    )
    parser.add_argument(
        "--replay",
        action="append",
        type=report_argument,
        default=[],
        metavar="REPORT",
        help="replay a field report (modem-check --report) as a modem instead of emulating "
        "personalities: recorded commands get their recorded answers, others ERROR; repeatable",
    )
    parser.add_argument(
        "--replay-timing",
        type=speed_argument,
        default=1.0,
        metavar="FACTOR",
        help="with --replay: recorded timings multiplied by FACTOR (0: answer at once)",
    )
    parser.set_defaults(handler=run)
    return parser


def _balance(value: str) -> str:
    """``OPERATOR:AMOUNT:YYYY-MM-DD`` (checked now, used per modem)."""
    try:
        balance_reply(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _inbound(value: str) -> tuple[str, str]:
    """``SENDER:TEXT`` (a number or an operator name, then the text)."""
    sender, colon, text = value.partition(":")
    if not colon or not sender or not text:
        raise argparse.ArgumentTypeError(f"{value!r} is not SENDER:TEXT (e.g. +6281234:STOP)")
    try:
        deliver_parts(sender, text, "")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from exc
    return sender, text


def _seconds(text: str) -> float:
    """A delay option: a finite number of seconds, 0 or more, at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 3600 seconds")
    return value


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
