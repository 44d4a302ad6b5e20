"""``otp-broker brochure --out DIR``: write the printable card (HTML and PNG)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from otpbroker.config.errors import ConfigError
from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.factory.brochure import Brochure
from otpbroker.i18n.translate import _
from otpbroker.subcommands import error_prefix


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``brochure`` subcommand."""
    parser = commands.add_parser(
        "brochure", help=_("write brochure.html and brochure.png (A6) with the device's secrets")
    )
    parser.add_argument("--out", required=True, type=Path, help=_("folder to write into"))
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Create the printed secrets if needed, then write both files."""
    try:
        secrets = FactorySecrets(args.data_dir)
        secrets.ensure(with_tls=False)  # the card prints no TLS: factory-init makes that pair
        with ConfigStore(args.data_dir) as store:
            written = Brochure(secrets, store.settings).write(args.out)
    except (OSError, ValueError, ConfigError) as exc:
        print(error_prefix("otp-broker brochure"), exc, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0
