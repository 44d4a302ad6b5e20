"""Command line: ``otp-broker [--data-dir DIR] <command> ...``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

DEFAULT_DATA_DIR = os.environ.get("OTP_BROKER_DATA_DIR", "/var/lib/otp-broker")

Handler = Callable[[argparse.Namespace], int]


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command accepts, before or after the command name."""
    default = DEFAULT_DATA_DIR if top else argparse.SUPPRESS
    parser.add_argument("--data-dir", default=default, help="directory for configuration and state")
    parser.add_argument(
        "--log-level",
        default="INFO" if top else argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log verbosity (message bodies are always masked)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="otp-broker", description=__doc__)
    _common(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from otpbroker.commands import (
        api_user,
        apply_network,
        brochure,
        config_cmd,
        factory_init,
        reset_stick,
        serve,
        setup_code,
    )
    from otpbroker.modem import check
    from otpbroker.modem.sim import command as modem_sim

    factory = (factory_init, brochure, reset_stick, apply_network)
    for module in (serve, config_cmd, api_user, setup_code, *factory, modem_sim, check):
        register = module.register
        sub = register(commands)
        _common(sub, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``otp-broker`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
