"""``otp-broker admin``: manage the administrators of the browser admin.

The same rules as the admin pages, from the admin-accounts service: the last active,
unblocked administrator can never be deleted, deactivated or blocked, and an administrator
is added with a password or not at all. Passwords are read from standard input (asked twice
on a terminal), never from the command line. Exit status: 0 done, 1 unknown administrator
(or an unusable data directory), 2 refused (invalid input, a name already taken, the last
administrator).
"""

from __future__ import annotations

import argparse

from otpbroker.config import ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.subcommands.account_actions import AccountCommand, add_actions
from otpbroker.subcommands.account_actions import run as run_action
from otpbroker.subcommands.store_errors import USAGE_ERROR


def admin_accounts(store: ConfigStore) -> AdminAccounts:
    """The admin-accounts service over an open store."""
    return AdminAccounts(store, check_new_password)


COMMAND = AccountCommand(
    name="admin",
    plural="administrators",
    book=admin_accounts,
    password_flag_required=False,
    duplicate_status=USAGE_ERROR,
)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``admin`` subcommand and its actions."""
    parser = commands.add_parser(
        "admin", help="add, list, block or delete administrators", description=__doc__
    )
    add_actions(parser, COMMAND)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``admin`` action; report refusals on stderr."""
    return run_action(COMMAND, args)
