"""``otp-broker setup-code``: print the code that creates the first administrator."""

from __future__ import annotations

import argparse
import sys

from otpbroker.factory import SetupCode
from otpbroker.i18n.translate import _
from otpbroker.subcommands import error_prefix


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``setup-code`` subcommand."""
    parser = commands.add_parser("setup-code", help=_("print the device's first-run setup code"))
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Create the code if needed and print it."""
    code = SetupCode(args.data_dir)
    try:
        code.ensure()
        print(code.read())
    except OSError as exc:
        print(error_prefix("otp-broker setup-code"), exc, file=sys.stderr)
        return 1
    return 0
