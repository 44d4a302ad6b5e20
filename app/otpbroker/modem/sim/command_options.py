"""The options of ``otp-broker modem-sim`` (help in the caller's language), each checked as
it is read."""

from __future__ import annotations

import argparse
from typing import Any

from otpbroker.i18n.translate import _

from .balance_replies import balance_reply
from .conditions import CONDITION_NAMES, parse_conditions
from .faults import FAULT_KINDS, parse_fault
from .inbound import deliver_parts
from .personalities import DEFAULT, NAMES, personality
from .replay_command import report_argument, speed_argument


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
        text = _("{value} is not SENDER:TEXT (e.g. +6281234:STOP)").format(value=repr(value))
        raise argparse.ArgumentTypeError(text)
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
        refusal = _("{value} is not a number of seconds").format(value=repr(text))
        raise argparse.ArgumentTypeError(refusal) from None
    if not 0 <= value <= 3600:  # NaN fails this too
        refusal = _("{value} must be between 0 and 3600 seconds").format(value=repr(text))
        raise argparse.ArgumentTypeError(refusal)
    return value


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add every ``modem-sim`` option to ``parser``."""
    parser.add_argument(
        "--count", type=int, help=_("number of modems (default: one per name in --profile)")
    )
    parser.add_argument(
        "--profile",
        "--profiles",
        dest="profiles",
        type=_profiles,
        default=[DEFAULT],
        metavar="NAME[,NAME...]",
        help=_("modem personalities, handed out in turn ({names}; default {default})").format(
            names=", ".join(NAMES), default=DEFAULT
        ),
    )
    parser.add_argument(
        "--condition",
        action="append",
        type=_conditions,
        default=[],
        metavar="NAME[:PARAM][,...]",
        help=_("network conditions of every modem ({names}); repeatable").format(
            names=", ".join(CONDITION_NAMES)
        ),
    )
    parser.add_argument(
        "--delay",
        type=_seconds,
        metavar="S",
        help=_("seconds from PDU to +CMGS (default: random 1-6 s per message, seeded)"),
    )
    parser.add_argument(
        "--ussd-delay",
        type=_seconds,
        metavar="S",
        help=_("seconds until the network answers USSD (default: random 1-5 s, seeded)"),
    )
    parser.add_argument(
        "--prompt-delay",
        type=_seconds,
        metavar="S",
        help=_("seconds from AT+CMGS to the '> ' prompt (default 0.05)"),
    )
    parser.add_argument("--deliveries", metavar="FILE", help=_("append delivered messages as JSON"))
    parser.add_argument("--link-dir", metavar="DIR", help=_("keep <DIR>/<imei> -> pty symlinks"))
    parser.add_argument("--pin", help=_("SIM PIN (SIMs start locked)"))
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="KIND[:PARAM]",
        help=_("fault applied to every modem at start ({names}); repeatable").format(
            names=", ".join(FAULT_KINDS)
        ),
    )
    parser.add_argument(
        "--receive",
        action="append",
        type=_inbound,
        default=[],
        metavar="SENDER:TEXT",
        help=_(
            "an SMS every modem receives once started (stored on its SIM, announced with "
            '+CMTI); repeatable. While running: the control action "receive"'
        ),
    )
    parser.add_argument(
        "--balance",
        action="append",
        type=_balance,
        default=[],
        metavar="OPERATOR:AMOUNT:YYYY-MM-DD",
        help=_(
            "the operator's balance code answers with this credit and active-until date, "
            "in that operator's reply shape (telkomsel, xl, indosat, three, smartfren, axis)"
        ),
    )
    parser.add_argument("--control", metavar="SOCKET", help=_("Unix socket for JSON-line control"))
    parser.add_argument("--seed", type=int, help=_("seed for identities and noise"))
    parser.add_argument(
        "--urc-interval", type=float, metavar="S", help=_("mean seconds between random URCs")
    )
    parser.add_argument(
        "--data-port",
        action="store_true",
        help=_("give each modem a second (data) port; its path is printed as a fifth column"),
    )
    parser.add_argument(
        "--replay",
        action="append",
        type=report_argument,
        default=[],
        metavar="REPORT",
        help=_(
            "replay a field report (modem-check --report) as a modem instead of emulating "
            "personalities: recorded commands get their recorded answers, others ERROR; "
            "repeatable"
        ),
    )
    parser.add_argument(
        "--replay-timing",
        type=speed_argument,
        default=1.0,
        metavar="FACTOR",
        help=_("with --replay: recorded timings multiplied by FACTOR (0: answer at once)"),
    )


__all__ = ["add_options"]
