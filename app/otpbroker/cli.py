"""Command line: ``otp-broker [--data-dir DIR] <command> ...``.

Everything printed for a person (help, results, errors, prompts) is in the language of the
environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; English for any other);
output that scripts read (JSON, keys, values, URLs) stays as it is.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from otpbroker.i18n import catalogues
from otpbroker.i18n.negotiate import environment_language
from otpbroker.i18n.translate import N_, _, reset_language, set_language

DEFAULT_DATA_DIR = os.environ.get("OTP_BROKER_DATA_DIR", "/var/lib/otp-broker")

Handler = Callable[[argparse.Namespace], int]

DESCRIPTION = N_("The OTP Broker's command line: settings, accounts, modems and the device.")


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command accepts, before or after the command name."""
    default = DEFAULT_DATA_DIR if top else argparse.SUPPRESS
    parser.add_argument(
        "--data-dir", default=default, help=_("directory for configuration and state")
    )
    parser.add_argument(
        "--log-level",
        default="INFO" if top else argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help=_("log verbosity (message bodies are always masked)"),
    )


# Command name -> module with its ``register(subparsers)``. Only the module of the command
# being run is imported: ``serve`` needs the whole app, ``factory-init`` on a device's first
# boot should not pay for importing it (seconds on a small board).
COMMANDS = {
    "serve": "otpbroker.subcommands.serve",
    "config": "otpbroker.subcommands.config_cmd",
    "api-user": "otpbroker.subcommands.api_user",
    "admin": "otpbroker.subcommands.admin_cmd",
    "setup-code": "otpbroker.subcommands.setup_code",
    "sealing-key": "otpbroker.subcommands.sealing_key",
    "factory-init": "otpbroker.subcommands.factory_init",
    "brochure": "otpbroker.subcommands.brochure",
    "reset-stick": "otpbroker.subcommands.reset_stick",
    "apply-network": "otpbroker.subcommands.apply_network",
    "modem-sim": "otpbroker.modem.sim.command",
    "modem-check": "otpbroker.subcommands.modem_check",
    "modem-detect": "otpbroker.subcommands.modem_detect",
}
OPTIONS_WITH_VALUE = ("--data-dir", "--log-level")


def command_in(argv: Sequence[str]) -> str | None:
    """The command name in ``argv`` (the first word that is not a top-level option)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in OPTIONS_WITH_VALUE:
            skip = True
        elif not token.startswith("-"):
            return token
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every subcommand, or only ``only`` when it names one."""
    import importlib

    parser = argparse.ArgumentParser(prog="otp-broker", description=_(DESCRIPTION))
    _common(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names = [only] if only in COMMANDS else list(COMMANDS)
    for name in names:
        sub = importlib.import_module(COMMANDS[name]).register(commands)
        if sub.prog.rsplit(" ", 1)[-1] != name:
            raise RuntimeError(f"{COMMANDS[name]} registers {sub.prog!r}, not {name!r}")
        _common(sub, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``otp-broker`` console script."""
    words = sys.argv[1:] if argv is None else list(argv)
    catalogues.install()
    language = set_language(environment_language(os.environ))  # before the help texts
    try:
        args = build_parser(command_in(words)).parse_args(words)
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
    finally:
        reset_language(language)
