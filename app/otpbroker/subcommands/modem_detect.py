"""``otp-broker modem-detect``: which USB modems are plugged in, and which AT port each has.

Prints one block per detected device (model, vendor:product, USB path, AT port, identity
when asked, and the explanation for a stick in CD-ROM or HiLink mode), or JSON with
``--json``. Ports are asked with ``AT`` unless ``--no-probe``; ports of configured modems
are never opened (stop the broker to have those asked too). ``--switch-mode USB_PATH``
switches a CD-ROM-mode stick through the privileged helper. Exit status: 0 done, 1 the
switch was refused or failed, 2 the data directory is unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from otpbroker.config import ConfigStore
from otpbroker.domain.usb_modems import UsbControlError
from otpbroker.i18n.translate import _
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.services.modem_discovery import DetectedEntry, ModemDiscoveryService
from otpbroker.subcommands.store_errors import run_on_store
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.helper_program import HELPER_STAGE_DIR, helper_transport
from otpbroker.system.usb_control import HelperUsbControl


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``modem-detect`` subcommand."""
    parser = commands.add_parser("modem-detect", help=_("list plugged-in USB modems and AT ports"))
    parser.add_argument("--no-probe", action="store_true", help=_("do not open any port"))
    parser.add_argument("--json", action="store_true", help=_("print JSON"))
    parser.add_argument(
        "--switch-mode",
        metavar="USB_PATH",
        help=_("switch the CD-ROM-mode stick at USB_PATH (e.g. 1-1.2)"),
    )
    parser.add_argument("--sysfs", default="/sys", help=argparse.SUPPRESS)
    parser.add_argument("--by-id", default="/dev/serial/by-id", help=argparse.SUPPRESS)
    parser.add_argument("--dev", default="/dev", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)
    return parser


def _lines(entry: DetectedEntry) -> list[str]:
    modem = entry.modem
    answered = {True: _("AT answered"), False: _("no answer to AT"), None: _("not asked")}
    lines = [f"{modem.usb_path}  {modem.vid_pid}  {modem.family} [{modem.kind}]"]
    if modem.at_port:
        at_port = _("AT port: {port} ({answered})")
        lines.append("  " + at_port.format(port=modem.at_port, answered=answered[modem.answered]))
    if modem.identity is not None:
        says = _("says: {name}, IMEI {imei}")
        lines.append("  " + says.format(name=modem.identity.name or "?",
                                        imei=modem.identity.imei or "?"))  # fmt: skip
    if entry.configured_as:
        configured = _("configured as: {names}").format(names=", ".join(entry.configured_as))
        lines.append("  " + configured)
    lines.extend(f"  if{p.interface:02d} {p.role:<12} {p.driver:<14} {p.path or p.netdev}"
                 for p in modem.ports)  # fmt: skip
    if modem.note:
        lines.append("  " + _("note: {note}").format(note=modem.note))
    return lines


def _as_json(entry: DetectedEntry) -> dict[str, Any]:
    return {**asdict(entry.modem), "configured_as": list(entry.configured_as)}


def run(args: argparse.Namespace) -> int:
    """Detect (or switch one device) and print the result."""

    def action(store: ConfigStore) -> int:
        usb = HelperUsbControl(HelperClient(helper_transport(), HELPER_STAGE_DIR))
        discovery = UsbModemDiscovery(args.sysfs, args.by_id, args.dev)
        service = ModemDiscoveryService(discovery, store, usb)
        if args.switch_mode:
            try:
                service.switch_mode(args.switch_mode)
            except UsbControlError as exc:
                print(f"modem-detect: {exc}", file=sys.stderr)
                return 1
            print(_("{usb_path}: switch to modem mode sent").format(usb_path=args.switch_mode))
            return 0
        report = service.report(probe=not args.no_probe)
        if args.json:
            body = {"modems": [_as_json(e) for e in report.entries],
                    "problems": list(report.problems), "probed": report.probed}  # fmt: skip
            print(json.dumps(body, indent=2))
            return 0
        for entry in report.entries:
            print("\n".join(_lines(entry)))
        if not report.entries:
            print(_("no USB modem found"))
        for problem in report.problems:
            print(_("skipped: {problem}").format(problem=problem), file=sys.stderr)
        return 0

    return run_on_store(args.data_dir, "modem-detect:", action)
