"""``otp-broker factory-init``: create the device's factory secrets once."""

from __future__ import annotations

import argparse
import sys

from otpbroker.factory import FactorySecrets
from otpbroker.system.tls import OpensslError


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``factory-init`` subcommand."""
    parser = commands.add_parser(
        "factory-init",
        help="create the AP name and password, setup code, reset code and TLS key once",
    )
    parser.add_argument(
        "--no-tls",
        action="store_true",
        help="leave the TLS key and certificate for later (the first boot makes them after "
        "the API is up; the HTTPS listener makes them when HTTPS is switched on)",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Create what is missing; never replace anything."""
    try:
        created = FactorySecrets(args.data_dir).ensure(with_tls=not args.no_tls)
    except (OSError, ValueError, OpensslError) as exc:
        print(f"otp-broker factory-init: error: {exc}", file=sys.stderr)
        return 1
    if created:
        print("created: " + ", ".join(created))
    else:
        print("nothing changed: the factory secrets exist already (they are never replaced)")
    return 0
