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
from otpbroker.services.api_users import ApiUsers
from otpbroker.subcommands.account_actions import AccountCommand, add_actions
from otpbroker.subcommands.account_actions import run as run_action
from otpbroker.subcommands.store_errors import STATE_ERROR


def api_users(store: ConfigStore) -> ApiUsers:
    """The API-user service over an open store."""
    return ApiUsers(store, check_new_password)


COMMAND = AccountCommand(
    name="api-user",
    plural="API users",
    book=api_users,
    password_flag_required=True,
    duplicate_status=STATE_ERROR,
)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``api-user`` subcommand and its actions."""
    parser = commands.add_parser(
        "api-user", help="add, list, block or delete REST API users", description=__doc__
    )
    add_actions(parser, COMMAND)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``api-user`` action; report refusals on stderr."""
    return run_action(COMMAND, args)
