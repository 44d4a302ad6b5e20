"""``otp-broker sealing-key show | rotate``: the public key applications seal messages to."""

from __future__ import annotations

import argparse
import sys

from otpbroker.factory import SealingKeyFiles
from otpbroker.i18n.translate import _
from otpbroker.services.sealing import SealingKeys
from otpbroker.subcommands import error_prefix


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sealing-key`` subcommand and its two actions."""
    parser = commands.add_parser(
        "sealing-key", help=_("show or rotate the public key of sealed messages")
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("show", help=_("print the public key (standard base64 of 32 bytes)"))
    actions.add_parser(
        "rotate",
        help=_(
            "make a new key pair; the previous private key still opens messages sealed to it "
            "until the next rotation"
        ),
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the current public key, after a rotation when asked."""
    keys = SealingKeys(SealingKeyFiles(args.data_dir))
    try:
        key = keys.rotate() if args.action == "rotate" else keys.key()
    except (OSError, ValueError) as exc:
        print(error_prefix("otp-broker sealing-key"), exc, file=sys.stderr)
        return 1
    print(key.public_key)
    if args.action == "rotate":
        print(
            _(
                "rotated: senders must fetch this key; messages sealed to the previous one "
                "still open until the next rotation"
            ),
            file=sys.stderr,
        )
    return 0
