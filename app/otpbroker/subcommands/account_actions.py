"""The actions of the account commands (``api-user``, ``admin``) over an account service.

Each action is a thin call of the service (``services/account_book.py``), which holds the
rules; this module parses, reads the password and prints. Passwords are read from standard
input (asked twice on a terminal), never taken from the command line, where they would show
in the process list and the shell history.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from otpbroker.config import ConfigStore
from otpbroker.config.records import validate_fields
from otpbroker.config.store import MAX_PASSWORD_LENGTH
from otpbroker.i18n.translate import N_, _
from otpbroker.services.account_book import (
    FLAGS,
    AccountBook,
    AccountError,
    AccountNotFoundError,
    DuplicateAccountError,
)
from otpbroker.subcommands import error_prefix
from otpbroker.subcommands.store_errors import STATE_ERROR, USAGE_ERROR, run_on_store

COLUMNS = ("username", "active", "blocked", "phone", "email")
#: The headings of the table ``list`` prints, by column.
HEADINGS = {
    "username": N_("username"),
    "active": N_("active"),
    "blocked": N_("blocked"),
    "phone": N_("phone"),
    "email": N_("email"),
}
REFUSED_ARGUMENT = N_(
    "a password is never accepted on the command line (it would show in the process list "
    "and the shell history); give --password-stdin and write it to standard input"
)
#: The help of the flag actions (``FLAGS``), the same for every account command.
FLAG_HELP = {
    "activate": N_("activate the account (active=true)"),
    "deactivate": N_("deactivate the account (active=false)"),
    "block": N_("block the account (blocked=true)"),
    "unblock": N_("unblock the account (blocked=false)"),
}


@dataclass(frozen=True)
class AccountCommand:
    """What differs between the account commands."""

    name: str  # the subcommand: "api-user", "admin"
    #: What the command prints, marked with ``N_``, by key: the help of ``add``, ``list``,
    #: ``delete``, ``passwd``; the results ``added``, ``passwd_done``, ``delete_done``,
    #: ``<flag action>_done``, ``<flag action>_already`` (with ``{name}``), and ``none``.
    texts: Mapping[str, str]
    book: Callable[[ConfigStore], AccountBook]  # the service over an open store
    password_flag_required: bool  # api-user: --password-stdin must be given
    duplicate_status: int  # exit status for a name already taken

    def text(self, key: str) -> str:
        """``texts[key]`` in the current language."""
        return _(self.texts[key])


class CommandError(Exception):
    """A refusal: its message goes to stderr and ``status`` becomes the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# -- the parser ---------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir``/``--log-level`` after the action name too."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=_("directory of config.json"))
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help=_("log verbosity"),
    )


def _password_options(parser: argparse.ArgumentParser, spec: AccountCommand) -> None:
    """``--password-stdin``, plus hidden catchers for a password given as an argument."""
    if spec.password_flag_required:
        help_text = _("read the password from standard input (one line; asked twice on a terminal)")
    else:
        help_text = _(
            "read the password from standard input (one line; asked twice on a terminal; "
            "the default)"
        )
    parser.add_argument("--password-stdin", action="store_true", help=help_text)
    # Caught only to refuse them without echoing the password, as argparse would.
    parser.add_argument("--password", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    parser.add_argument("extra", nargs="*", help=argparse.SUPPRESS)


def add_actions(parser: argparse.ArgumentParser, spec: AccountCommand) -> None:
    """Add list, add, passwd, the flags and delete to an account command's parser."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        _common(sub)
        return sub

    add = action("add", spec.text("add"))
    add.add_argument("name", metavar="NAME", help=_("login name: 1-64 of A-Z a-z 0-9 . _ @ -"))
    _password_options(add, spec)
    add.add_argument("--phone", default=None, help=_("phone number (3-20 digits, optional '+')"))
    add.add_argument("--email", default=None, help=_("e-mail address"))
    listing = action("list", spec.text("list"))
    listing.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    for name, (field, value) in FLAGS.items():
        help_text = _(FLAG_HELP[name]) if name in FLAG_HELP else f"{field}={value}"
        action(name, help_text).add_argument("name", metavar="NAME")
    action("delete", spec.text("delete")).add_argument("name", metavar="NAME")
    passwd = action("passwd", spec.text("passwd"))
    passwd.add_argument("name", metavar="NAME")
    _password_options(passwd, spec)


def run(spec: AccountCommand, args: argparse.Namespace) -> int:
    """Run one action; report refusals on stderr with their exit status."""
    prefix = error_prefix(f"otp-broker {spec.name} {args.action}")
    handler = ACTIONS.get(args.action, _set_flag)

    def act(store: ConfigStore) -> int:
        try:
            return handler(spec, spec.book(store), args)
        except CommandError as error:
            return _refused(prefix, error, error.status)
        except AccountNotFoundError as error:  # also when removed by another process
            return _refused(prefix, error, STATE_ERROR)
        except DuplicateAccountError as error:
            return _refused(prefix, error, spec.duplicate_status)
        except AccountError as error:  # a rule of the service (the last administrator)
            return _refused(prefix, error, USAGE_ERROR)

    return run_on_store(args.data_dir, prefix, act)


def done(spec: AccountCommand, key: str, account: Mapping[str, Any]) -> str:
    """The line printed after an action: ``spec.texts[key]`` about ``account``."""
    return spec.text(key).format(name=repr(account["username"]))


def _refused(prefix: str, error: Exception, status: int) -> int:
    print(prefix, error, file=sys.stderr)
    return status


# -- passwords ----------------------------------------------------------------------------


def _check_password_source(spec: AccountCommand, args: argparse.Namespace) -> None:
    """Refuse a password given as an argument, and (api-user) a missing ``--password-stdin``."""
    if args.password is not None or args.extra:
        raise CommandError(_(REFUSED_ARGUMENT), USAGE_ERROR)
    if spec.password_flag_required and not args.password_stdin:
        raise CommandError(
            _("--password-stdin is required: the password is read from standard input"),
            USAGE_ERROR,
        )


def read_password(stream: TextIO | None, command: str) -> str:
    """One password from ``stream``: a line without its line break, or asked on a terminal.

    Its policy (length, characters) is the service's; only emptiness is refused here.
    """
    if stream is None or stream.closed:
        example = f"printf '%s\\n' \"$PASSWORD\" | otp-broker {command} ... --password-stdin"
        raise CommandError(
            _(
                "--password-stdin: standard input is closed; write the password to it, "
                "e.g. {example}"
            ).format(example=example),
            USAGE_ERROR,
        )
    if stream.isatty():
        password = getpass.getpass(_("New password: "))
        if getpass.getpass(_("Repeat the password: ")) != password:
            raise CommandError(_("the two passwords differ"), USAGE_ERROR)
    else:
        try:
            password = stream.readline(MAX_PASSWORD_LENGTH + 3)
        except UnicodeDecodeError:
            encoding = getattr(stream, "encoding", None)
            if encoding:
                message = _("the password on standard input is not valid {encoding} text")
            else:
                message = _("the password on standard input is not valid text in the locale")
            raise CommandError(message.format(encoding=encoding), USAGE_ERROR) from None
        password = password.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CommandError(
            _("the password must not be empty (standard input gave an empty line or nothing)"),
            USAGE_ERROR,
        )
    return password


# -- actions ------------------------------------------------------------------------------


def _add(spec: AccountCommand, book: AccountBook, args: argparse.Namespace) -> int:
    _check_password_source(spec, args)
    fields: dict[str, Any] = {"username": args.name}
    for key in ("phone", "email"):
        if getattr(args, key) is not None:
            fields[key] = getattr(args, key)
    validate_fields(book.collection, fields, partial=False)  # before asking for a password
    added = book.add(fields, read_password(sys.stdin, spec.name))
    print(done(spec, "added", added))
    return 0


def _passwd(spec: AccountCommand, book: AccountBook, args: argparse.Namespace) -> int:
    _check_password_source(spec, args)
    account = book.require(args.name)
    book.set_password(account["id"], read_password(sys.stdin, spec.name))
    print(done(spec, "passwd_done", account))
    return 0


def _set_flag(spec: AccountCommand, book: AccountBook, args: argparse.Namespace) -> int:
    field, value = FLAGS[args.action]
    account = book.require(args.name)
    if account.get(field) is value:
        print(done(spec, f"{args.action}_already", account))
        return 0
    book.set_flag(account["id"], args.action)
    print(done(spec, f"{args.action}_done", account))
    return 0


def _delete(spec: AccountCommand, book: AccountBook, args: argparse.Namespace) -> int:
    account = book.delete(book.require(args.name)["id"])
    print(done(spec, "delete_done", account))
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value not in (None, "") else "-"


def _json_view(account: dict[str, Any]) -> dict[str, Any]:
    """An account as ``--json`` prints it (``password_hash_set``: whether one is stored)."""
    return {
        ("password_hash_set" if key == "password_set" else key): value
        for key, value in account.items()
    }


def _list(spec: AccountCommand, book: AccountBook, args: argparse.Namespace) -> int:
    accounts = book.list()
    if args.json:
        json.dump([_json_view(a) for a in accounts], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    rows = [[_(HEADINGS[column]) for column in COLUMNS]] + [
        [_cell(a.get(column)) for column in COLUMNS] for a in accounts
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    if not accounts:
        print(spec.text("none"))
    return 0


Action = Callable[[AccountCommand, AccountBook, argparse.Namespace], int]
ACTIONS: dict[str, Action] = {"add": _add, "list": _list, "delete": _delete, "passwd": _passwd}
