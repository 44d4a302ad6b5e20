"""``otp-broker config``: read and change settings through the settings service, so the
admin's rules hold here too.

Values are printed plainly: booleans as ``true``/``false``, numbers and strings as they are,
lists comma-separated. Exit status: 0 done, 1 unusable data directory, 2 refused input.
A running server picks a change up within a second or two, without a restart.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from otpbroker.config import ConfigError, ConfigStore, schema
from otpbroker.config.describe import setting_docs
from otpbroker.config.rules import bad_char
from otpbroker.i18n.translate import N_, _
from otpbroker.services.settings import SettingsRefused, SettingsService
from otpbroker.subcommands import error_prefix
from otpbroker.subcommands.store_errors import USAGE_ERROR, run_on_store

DESCRIPTION = N_(
    "Read and change settings with the rules of the admin pages. Values are printed plainly: "
    "booleans as true/false, numbers and strings as they are, lists comma-separated. Exit "
    "status: 0 done, 1 unusable data directory, 2 refused input. A running broker picks a "
    "change up within a second or two, without a restart."
)


def _common(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir``/``--log-level`` after the action name too."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=_("directory of config.json"))
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help=_("log verbosity"),
    )


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``config`` subcommand and its actions."""
    parser = commands.add_parser(
        "config", help=_("read and change settings"), description=_(DESCRIPTION)
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        _common(sub)
        return sub

    action("get", _("print the value of one setting")).add_argument("key", metavar="KEY")
    setter = action("set", _("validate and store one setting"))
    setter.add_argument("key", metavar="KEY")
    setter.add_argument(
        "value",
        metavar="VALUE",
        nargs="?",
        help=_(
            "true/false, an integer, text, or a,b,c; omit it to read one line from stdin "
            "(use that for passwords)"
        ),
    )
    listing = action("list", _("print every setting, marking those at their default"))
    listing.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    action("reset", _("return one setting to its default")).add_argument("key", metavar="KEY")
    parser.set_defaults(handler=run)
    return parser


def show(value: Any) -> str:
    """A value as the command line writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def parse_value(key: str, text: str) -> Any:
    """``text`` parsed and validated for setting ``key``; ConfigError when refused.

    Control and line-break characters are refused for every kind (the integer and boolean
    parsers would otherwise quietly strip a trailing newline).
    """
    value = schema.parse(key, text)
    bad = bad_char(text)
    if bad is not None:
        raise ConfigError(
            key,
            _("value must not contain control or line-break characters (found {bad})").format(
                bad=bad
            ),
        )
    return value


def run(args: argparse.Namespace) -> int:
    """Run one ``config`` action; report refusals on stderr."""
    prefix = error_prefix(f"otp-broker config {args.action}")

    def action(store: ConfigStore) -> int:
        try:
            return _ACTIONS[args.action](SettingsService(store, setting_docs), args)
        except SettingsRefused as refused:
            print(prefix, refused, file=sys.stderr)
            return USAGE_ERROR

    return run_on_store(args.data_dir, prefix, action)


def shown(key: str, value: Any, *, for_a_person: bool = True) -> str:
    """``show(value)``, except that secrets (passwords) only say whether they are set.

    ``config get`` prints what scripts read: its words for a secret stay English.
    """
    if schema.setting(key).secret:
        if not for_a_person:
            return "(set, hidden)" if value else "(not set)"
        return _("(set, hidden)") if value else _("(not set)")
    return show(value)


def _get(settings: SettingsService, args: argparse.Namespace) -> int:
    print(shown(args.key, settings.get(args.key), for_a_person=False))
    return 0


def _set(settings: SettingsService, args: argparse.Namespace) -> int:
    text = args.value
    if text is None:  # secrets are better read from standard input than from argv
        text = sys.stdin.readline().rstrip("\r\n")
    value = parse_value(args.key, text)
    settings.save({args.key: value})
    print(f"{args.key} = {shown(args.key, settings.get(args.key))}")
    return 0


def _reset(settings: SettingsService, args: argparse.Namespace) -> int:
    value = settings.reset(args.key)
    print(_("{key} = {value} (default)").format(key=args.key, value=shown(args.key, value)))
    return 0


def _list(settings: SettingsService, args: argparse.Namespace) -> int:
    values = settings.current()
    if args.json:
        rows = [
            {
                "key": key,
                "value": "(hidden)" if schema.setting(key).secret and value else value,
                "default": schema.default(key),
                "is_default": settings.is_default(key, value),
            }
            for key, value in values.items()
        ]
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    width = max(len(key) for key in values)
    for key, value in values.items():
        marker = "  " + _("(default)") if settings.is_default(key, value) else ""
        print(f"{key.ljust(width)}  {shown(key, value)}{marker}")
    return 0


_ACTIONS = {"get": _get, "set": _set, "reset": _reset, "list": _list}
