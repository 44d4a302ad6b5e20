"""``otp-broker api-user``: manage the accounts that may use the REST API.

Passwords are read from standard input only (``--password-stdin``), never from the command
line, where they would show in the process list and the shell history; the store keeps a
salted hash. The rules are the API-user service's, as in the admin. Exit status: 0 done,
1 unknown or duplicate user (or an unusable data directory), 2 invalid input.
"""

from __future__ import annotations

import argparse

from otpbroker.config import ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.i18n.translate import N_, _
from otpbroker.services.api_users import ApiUsers
from otpbroker.subcommands.account_actions import AccountCommand, add_actions
from otpbroker.subcommands.account_actions import run as run_action
from otpbroker.subcommands.store_errors import STATE_ERROR


def api_users(store: ConfigStore) -> ApiUsers:
    """The API-user service over an open store."""
    return ApiUsers(store, check_new_password)


TEXTS = {
    "add": N_("add an API user (password from standard input)"),
    "list": N_("show every API user (never password hashes)"),
    "delete": N_("remove an API user"),
    "passwd": N_("change an API user's password (from standard input)"),
    "added": N_("added API user {name}"),
    "passwd_done": N_("changed the password of API user {name}"),
    "delete_done": N_("deleted API user {name}"),
    "activate_done": N_("activated API user {name}"),
    "deactivate_done": N_("deactivated API user {name}"),
    "block_done": N_("blocked API user {name}"),
    "unblock_done": N_("unblocked API user {name}"),
    "activate_already": N_("API user {name} was already activated"),
    "deactivate_already": N_("API user {name} was already deactivated"),
    "block_already": N_("API user {name} was already blocked"),
    "unblock_already": N_("API user {name} was already unblocked"),
    "none": N_("(no API users)"),
}
DESCRIPTION = N_(
    "Manage the accounts that may use the REST API. Passwords are read from standard input "
    "only (--password-stdin), never from the command line; the device keeps a salted hash. "
    "Exit status: 0 done, 1 unknown or duplicate user (or an unusable data directory), "
    "2 invalid input."
)

COMMAND = AccountCommand(
    name="api-user",
    texts=TEXTS,
    book=api_users,
    password_flag_required=True,
    duplicate_status=STATE_ERROR,
)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``api-user`` subcommand and its actions."""
    parser = commands.add_parser(
        "api-user", help=_("add, list, block or delete REST API users"), description=_(DESCRIPTION)
    )
    add_actions(parser, COMMAND)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``api-user`` action; report refusals on stderr."""
    return run_action(COMMAND, args)
