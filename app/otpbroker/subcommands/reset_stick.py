"""``otp-broker reset-stick DEVICE``: check a plugged USB stick for the reset code (root).

Started by ``otpb-reset-stick@.service`` from a udev rule. Exit status: 0 after a reset,
or when the stick was ignored or refused (nothing to retry); 1 when the stick could not
be read at all or the reset failed.
"""

from __future__ import annotations

import argparse
import logging

from otpbroker.config.errors import ConfigError
from otpbroker.factory.reset_stick import MARKER, Mount, OncePerBoot, ResetStick
from otpbroker.factory.stick_mount import MountError, check_device, mount_readonly
from otpbroker.i18n.translate import _
from otpbroker.subcommands.apply_network import network_applier

log = logging.getLogger(__name__)

MOUNT: Mount = mount_readonly  # how a stick is mounted (tests read FAT images with mtools)
ONCE_MARKER = MARKER  # on /run: gone after a reboot


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``reset-stick`` subcommand."""
    parser = commands.add_parser(
        "reset-stick", help=_("reset network and administrators if DEVICE holds the reset code")
    )
    parser.add_argument("device", metavar="DEVICE", help=_("block device, e.g. /dev/sda1 or sda1"))
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Handle one stick."""
    device = args.device if args.device.startswith("/") else f"/dev/{args.device}"
    if MOUNT is mount_readonly:
        try:
            check_device(device)
        except MountError as exc:
            log.error("reset stick %s: failed: nothing changed: %s", device, exc)
            return 1
    handler = ResetStick(
        args.data_dir,
        apply_network=network_applier(args.data_dir),
        mount=MOUNT,
        once=OncePerBoot(ONCE_MARKER),
    )
    try:
        outcome = handler.handle(device)
    except (OSError, ConfigError) as exc:
        log.error("reset stick %s: failed: %s", device, exc)
        return 1
    print(f"{outcome.status}: {outcome.detail}")
    return 1 if outcome.status == "failed" else 0
