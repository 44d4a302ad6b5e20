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
from otpbroker.i18n.translate import N_, _
from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.subcommands.account_actions import AccountCommand, add_actions
from otpbroker.subcommands.account_actions import run as run_action
from otpbroker.subcommands.store_errors import USAGE_ERROR


def admin_accounts(store: ConfigStore) -> AdminAccounts:
    """The admin-accounts service over an open store."""
    return AdminAccounts(store, check_new_password)


TEXTS = {
    "add": N_("add an administrator (password from standard input)"),
    "list": N_("show every administrator (never password hashes)"),
    "delete": N_("remove an administrator"),
    "passwd": N_("change an administrator's password (from standard input)"),
    "added": N_("added administrator {name}"),
    "passwd_done": N_("changed the password of administrator {name}"),
    "delete_done": N_("deleted administrator {name}"),
    "activate_done": N_("activated administrator {name}"),
    "deactivate_done": N_("deactivated administrator {name}"),
    "block_done": N_("blocked administrator {name}"),
    "unblock_done": N_("unblocked administrator {name}"),
    "activate_already": N_("administrator {name} was already activated"),
    "deactivate_already": N_("administrator {name} was already deactivated"),
    "block_already": N_("administrator {name} was already blocked"),
    "unblock_already": N_("administrator {name} was already unblocked"),
    "none": N_("(no administrators)"),
}
DESCRIPTION = N_(
    "Manage the administrators of the browser admin, with the rules of the admin pages: the "
    "last active, unblocked administrator can never be deleted, deactivated or blocked. "
    "Passwords are read from standard input (asked twice on a terminal), never from the "
    "command line. Exit status: 0 done, 1 unknown administrator (or an unusable data "
    "directory), 2 refused (invalid input, a name already taken, the last administrator)."
)

COMMAND = AccountCommand(
    name="admin",
    texts=TEXTS,
    book=admin_accounts,
    password_flag_required=False,
    duplicate_status=USAGE_ERROR,
)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``admin`` subcommand and its actions."""
    parser = commands.add_parser(
        "admin", help=_("add, list, block or delete administrators"), description=_(DESCRIPTION)
    )
    add_actions(parser, COMMAND)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``admin`` action; report refusals on stderr."""
    return run_action(COMMAND, args)
