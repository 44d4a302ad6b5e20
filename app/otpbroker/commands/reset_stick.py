"""``otp-broker reset-stick DEVICE``: check a plugged USB stick for the reset code (root).

Started by ``otpb-reset-stick@.service`` from a udev rule. Exit status: 0 after a reset,
or when the stick was ignored or refused (nothing to retry); 1 when the stick could not
be read at all or the reset failed.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable

from otpbroker.bootstrap import HELPER_PROGRAM, HELPER_STAGE_DIR
from otpbroker.config.errors import ConfigError
from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.factory.reset_stick import MARKER, Mount, OncePerBoot, ResetStick
from otpbroker.factory.stick_mount import MountError, check_device, mount_readonly
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.network_control import NetworkControl

log = logging.getLogger(__name__)

MOUNT: Mount = mount_readonly  # how a stick is mounted (tests read FAT images with mtools)
ONCE_MARKER = MARKER  # on /run: gone after a reboot


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``reset-stick`` subcommand."""
    parser = commands.add_parser(
        "reset-stick", help="reset network and administrators if DEVICE holds the reset code"
    )
    parser.add_argument("device", metavar="DEVICE", help="block device, e.g. /dev/sda1 or sda1")
    parser.set_defaults(handler=run)
    return parser


def root_helper_argv() -> list[str] | None:
    """The privileged helper run directly (this command already runs as root); None off a device."""
    return [HELPER_PROGRAM] if os.path.exists(HELPER_PROGRAM) else None


def network_applier(data_dir: str, helper: HelperClient | None = None) -> Callable[[], None] | None:
    """What re-applies hostapd, dnsmasq, networkd and nftables after a reset (None off a device).

    A network change still waiting for confirmation is undone first, then the restored
    settings are applied without a safety net: they are the factory defaults.
    """
    if helper is None:
        helper = HelperClient(root_helper_argv(), HELPER_STAGE_DIR)
    if not helper.available:
        return None
    control = NetworkControl(helper, FactorySecrets(data_dir).wifi)

    def apply() -> None:
        if control.pending():
            control.revert()
        with ConfigStore(data_dir) as store:
            control.apply(store.settings(), store.list("firewall_ports"), confirm=False)

    return apply


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
