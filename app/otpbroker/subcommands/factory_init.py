"""``otp-broker factory-init``: create the device's factory secrets once."""

from __future__ import annotations

import argparse
import sys

from otpbroker.factory import FactorySecrets
from otpbroker.i18n.translate import N_, _
from otpbroker.subcommands import error_prefix
from otpbroker.system.tls import OpensslError

#: What ``FactorySecrets.ensure`` says it created, marked here to be translated where shown.
CREATED = (
    N_("access point name"),
    N_("access point password"),
    N_("reset code"),
    N_("setup code"),
    N_("sealing key pair"),
    N_("TLS key and self-signed certificate"),
)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``factory-init`` subcommand."""
    parser = commands.add_parser(
        "factory-init",
        help=_("create the AP name and password, setup code, reset code and TLS key once"),
    )
    parser.add_argument(
        "--no-tls",
        action="store_true",
        help=_(
            "leave the TLS key and certificate for later (the first boot makes them after "
            "the API is up; the HTTPS listener makes them when HTTPS is switched on)"
        ),
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Create what is missing; never replace anything."""
    try:
        created = FactorySecrets(args.data_dir).ensure(with_tls=not args.no_tls)
    except (OSError, ValueError, OpensslError) as exc:
        print(error_prefix("otp-broker factory-init"), exc, file=sys.stderr)
        return 1
    if created:
        print(_("created: {secrets}").format(secrets=", ".join(_(name) for name in created)))
    else:
        print(_("nothing changed: the factory secrets exist already (they are never replaced)"))
    return 0
