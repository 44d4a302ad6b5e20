"""``otp-broker apply-network``: install the stored network settings now (root, on a device).

Run by the first boot, after ``factory-init``, so a new device comes up with its access
point, DHCP, Ethernet and default-deny firewall from the very start; the reset stick uses
the same applier. No safety net: these are the settings already stored (factory defaults
on a new device). Exit status: 0 applied, 1 the helper refused or failed, 2 not a device.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.i18n.translate import _
from otpbroker.subcommands import error_prefix
from otpbroker.system.helper_client import HelperClient, HelperError
from otpbroker.system.helper_program import (
    HELPER_PROGRAM,
    HELPER_STAGE_DIR,
    root_helper_transport,
)
from otpbroker.system.network_control import NetworkControl

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``apply-network`` subcommand."""
    parser = commands.add_parser(
        "apply-network",
        help=_("install the stored Wi-Fi, DHCP, Ethernet and firewall settings now (root)"),
    )
    parser.set_defaults(handler=run)
    return parser


def app_owner(data_dir: str) -> tuple[int, int] | None:
    """(uid, gid) of the app's user, the owner of ``data_dir``, when root runs this; else None.

    Root staging files as itself would leave the stage directory to root, and the app could
    not stage a change there any more."""
    if os.geteuid() != 0:
        return None
    info = os.stat(data_dir)
    return info.st_uid, info.st_gid


def network_applier(data_dir: str, helper: HelperClient | None = None) -> Callable[[], None] | None:
    """What installs hostapd, dnsmasq, networkd and nftables from the stored settings.

    None off a device. A network change still waiting for confirmation is undone first,
    then the stored settings are applied without a safety net.
    """
    if helper is None:
        helper = HelperClient(root_helper_transport(), HELPER_STAGE_DIR, owner=app_owner(data_dir))
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
    """Apply the stored network settings once."""
    apply = network_applier(args.data_dir)
    if apply is None:
        missing = _("no privileged helper at {path} (not an OTP Broker device)")
        print(
            error_prefix("otp-broker apply-network"),
            missing.format(path=HELPER_PROGRAM),
            file=sys.stderr,
        )
        return 2
    try:
        apply()
    except (HelperError, ValueError) as exc:
        print(error_prefix("otp-broker apply-network"), exc, file=sys.stderr)
        return 1
    print(_("network settings applied"))
    return 0
