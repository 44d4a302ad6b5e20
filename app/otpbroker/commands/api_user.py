"""``otp-broker api-user``: manage the accounts that may use the REST API.

Passwords are read from standard input only (``--password-stdin``), never from the command
line, where they would show in the process list and the shell history; the store keeps a
salted hash. Exit status: 0 done, 1 unknown or duplicate user (or an unusable data
directory), 2 invalid input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from otpbroker.commands.store_errors import STATE_ERROR, USAGE_ERROR, run_on_store
from otpbroker.config import ConfigStore, NotFoundError
from otpbroker.config.records import validate_fields
from otpbroker.config.store import MAX_PASSWORD_LENGTH, check_new_password

COLLECTION = "api_users"
COLUMNS = ("username", "active", "blocked", "phone", "email")
FLAGS: dict[str, tuple[str, bool, str]] = {
    "block": ("blocked", True, "blocked"),
    "unblock": ("blocked", False, "unblocked"),
    "activate": ("active", True, "activated"),
    "deactivate": ("active", False, "deactivated"),
}
REFUSED_ARGUMENT = (
    "a password is never accepted on the command line (it would show in the process list "
    "and the shell history); give --password-stdin and write it to standard input"
)


class CommandError(Exception):
    """A refusal: its message goes to stderr and ``status`` becomes the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _common(parser: argparse.ArgumentParser) -> None:
    """Accept ``--data-dir``/``--log-level`` after the action name too."""
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help="directory of config.json")
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log verbosity",
    )


def _password_options(parser: argparse.ArgumentParser) -> None:
    """``--password-stdin``, plus hidden catchers for a password given as an argument."""
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (one line; asked twice on a terminal)",
    )
    # Caught only to refuse them without echoing the password, as argparse would.
    parser.add_argument("--password", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    parser.add_argument("extra", nargs="*", help=argparse.SUPPRESS)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``api-user`` subcommand and its actions."""
    parser = commands.add_parser(
        "api-user", help="add, list, block or delete REST API users", description=__doc__
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        _common(sub)
        return sub

    add = action("add", "add an API user (password from standard input)")
    add.add_argument("name", metavar="NAME", help="login name: 1-64 of A-Z a-z 0-9 . _ @ -")
    _password_options(add)
    add.add_argument("--phone", default=None, help="phone number (3-20 digits, optional '+')")
    add.add_argument("--email", default=None, help="e-mail address")
    listing = action("list", "show every API user (never password hashes)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    for name, (field, value, _done) in FLAGS.items():
        action(name, f"set {field}={str(value).lower()}").add_argument("name", metavar="NAME")
    action("delete", "remove an API user").add_argument("name", metavar="NAME")
    passwd = action("passwd", "change an API user's password (from standard input)")
    passwd.add_argument("name", metavar="NAME")
    _password_options(passwd)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``api-user`` action; report refusals on stderr."""
    prefix = f"otp-broker api-user {args.action}: error:"
    handler = ACTIONS.get(args.action, _set_flag)

    def act(store: ConfigStore) -> int:
        try:
            return handler(store, args)
        except CommandError as error:
            print(prefix, error, file=sys.stderr)
            return error.status
        except NotFoundError:  # removed by another process meanwhile
            print(prefix, f"no API user named {args.name!r}", file=sys.stderr)
            return STATE_ERROR

    return run_on_store(args.data_dir, prefix, act)


# -- finding users and reading passwords ------------------------------------------------


def _find(store: ConfigStore, name: str) -> dict[str, Any] | None:
    """The user called ``name`` (usernames are unique case-insensitively)."""
    wanted = name.casefold()
    for record in store.list(COLLECTION):
        if str(record.get("username", "")).casefold() == wanted:
            return record
    return None


def _require(store: ConfigStore, name: str) -> dict[str, Any]:
    record = _find(store, name)
    if record is None:
        raise CommandError(f"no API user named {name!r}", STATE_ERROR)
    return record


def _check_password_source(args: argparse.Namespace) -> None:
    """Refuse a password given as an argument, and a missing ``--password-stdin``."""
    if args.password is not None or args.extra:
        raise CommandError(REFUSED_ARGUMENT, USAGE_ERROR)
    if not args.password_stdin:
        raise CommandError(
            "--password-stdin is required: the password is read from standard input",
            USAGE_ERROR,
        )


def read_password(stream: TextIO | None) -> str:
    """One password from ``stream``: a line without its line break, or asked on a terminal."""
    if stream is None or stream.closed:
        raise CommandError(
            "--password-stdin: standard input is closed; write the password to it, e.g. "
            "printf '%s\\n' \"$PASSWORD\" | otp-broker api-user ... --password-stdin",
            USAGE_ERROR,
        )
    if stream.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise CommandError("the two passwords differ", USAGE_ERROR)
    else:
        try:
            password = stream.readline(MAX_PASSWORD_LENGTH + 3)
        except UnicodeDecodeError:
            encoding = getattr(stream, "encoding", None) or "the locale's encoding"
            raise CommandError(
                f"the password on standard input is not valid {encoding} text", USAGE_ERROR
            ) from None
        password = password.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CommandError(
            "the password must not be empty (standard input gave an empty line or nothing)",
            USAGE_ERROR,
        )
    check_new_password(password)
    return password


# -- actions ----------------------------------------------------------------------------


def _add(store: ConfigStore, args: argparse.Namespace) -> int:
    _check_password_source(args)
    fields: dict[str, Any] = {"username": args.name}
    for key in ("phone", "email"):
        if getattr(args, key) is not None:
            fields[key] = getattr(args, key)
    validate_fields(COLLECTION, fields, partial=False)  # precise errors before the password
    existing = _find(store, args.name)
    if existing is not None:
        raise CommandError(
            f"an API user named {existing['username']!r} already exists "
            "(usernames are compared case-insensitively)",
            STATE_ERROR,
        )
    password = read_password(sys.stdin)
    record = store.add(COLLECTION, fields)
    try:
        store.set_password(COLLECTION, record["id"], password)
    except BaseException:
        store.delete(COLLECTION, record["id"])
        raise
    print(f"added API user {record['username']!r}")
    return 0


def _passwd(store: ConfigStore, args: argparse.Namespace) -> int:
    _check_password_source(args)
    record = _require(store, args.name)
    store.set_password(COLLECTION, record["id"], read_password(sys.stdin))
    print(f"changed the password of API user {record['username']!r}")
    return 0


def _set_flag(store: ConfigStore, args: argparse.Namespace) -> int:
    field, value, done = FLAGS[args.action]
    record = _require(store, args.name)
    if record.get(field) is value:
        print(f"API user {record['username']!r} was already {done}")
        return 0
    store.update(COLLECTION, record["id"], {field: value})
    print(f"{done} API user {record['username']!r}")
    return 0


def _delete(store: ConfigStore, args: argparse.Namespace) -> int:
    record = _require(store, args.name)
    store.delete(COLLECTION, record["id"])
    print(f"deleted API user {record['username']!r}")
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "-"


def _list(store: ConfigStore, args: argparse.Namespace) -> int:
    users = [store.public_view(COLLECTION, record) for record in store.list(COLLECTION)]
    if args.json:
        json.dump(users, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    rows = [list(COLUMNS)] + [[_cell(user.get(column)) for column in COLUMNS] for user in users]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    if not users:
        print("(no API users)")
    return 0


ACTIONS: dict[str, Callable[[ConfigStore, argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "delete": _delete,
    "passwd": _passwd,
}
