"""The account rules hold across processes (the running server and the CLI at once).

Each side pauses between its rule's check and its change until the other side has checked
too (or a short while has passed): without a lock held across processes both sides pass
their checks and both change, so these tests fail; with it, the second side checks only
after the first has changed.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from admin_race import PausingStore, apply

from otpbroker.config import ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.services.account_book import usable
from otpbroker.services.admin_accounts import AdminAccounts

RACE = Path(__file__).with_name("admin_race.py")
BIN = Path(sys.executable).with_name("otp-broker")
PASSWORD = "first-password-1"
CLI_WINDOW = 2.0  # seconds the server side waits, after its check, for the CLI to finish
ROUNDS = [("delete", "delete"), ("delete", "block"), ("deactivate", "delete"),
          ("block", "deactivate")]  # fmt: skip
REFUSED_LAST = "refused LastAdministratorError"


def with_two_administrators(data_dir: Path) -> list[str]:
    """A store whose only administrators are ``first`` and ``second``, both usable."""
    with ConfigStore(data_dir) as store:
        admins = AdminAccounts(store, check_new_password)
        return [admins.add({"username": name}, PASSWORD)["id"] for name in ("first", "second")]


def usable_names(data_dir: Path) -> list[str]:
    with ConfigStore(data_dir) as store:
        return [admin["username"] for admin in store.list("admins") if usable(admin)]


def start_side(data_dir: Path, meeting: Path, side: tuple[str, ...]) -> subprocess.Popen[str]:
    """One process of the race: ``side`` is (me, other, action, name)."""
    argv = [sys.executable, RACE, data_dir, meeting, *side]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, text=True, **pipes)


def race(data_dir: Path, meeting: Path, first: tuple[str, str], second: tuple[str, str]):
    """Run two processes that start together: (action, name) each; their outcomes."""
    meeting.mkdir()
    sides = [("a", "b", *first), ("b", "a", *second)]
    processes = [start_side(data_dir, meeting, side) for side in sides]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outcomes.append(out.strip())
    return outcomes


def test_two_processes_removing_the_last_two_administrators_one_succeeds(tmp_path):
    for number, (first_action, second_action) in enumerate(ROUNDS):
        data_dir = tmp_path / f"data-{number}"
        with_two_administrators(data_dir)
        outcomes = race(data_dir, tmp_path / f"meeting-{number}",
                        (first_action, "first"), (second_action, "second"))  # fmt: skip
        assert sorted(outcomes) == ["done", REFUSED_LAST], (number, outcomes)
        refused = ["first", "second"][outcomes.index(REFUSED_LAST)]
        assert usable_names(data_dir) == [refused], number


def test_two_processes_adding_one_name_in_two_cases_one_succeeds(tmp_path):
    data_dir = tmp_path / "data"
    ConfigStore(data_dir).close()
    outcomes = race(data_dir, tmp_path / "meeting", ("add", "alice"), ("add", "ALICE"))
    assert sorted(outcomes) == ["done", "refused DuplicateAccountError"]
    added = ["alice", "ALICE"][outcomes.index("done")]
    assert usable_names(data_dir) == [added]


@pytest.mark.parametrize("cli_action", ["delete", "block"])
def test_the_cli_cannot_remove_the_other_one_while_the_server_removes_one(tmp_path, cli_action):
    """``otp-broker admin`` runs in full between the server's check and change, if it can."""
    data_dir = tmp_path / "data"
    first, _ = with_two_administrators(data_dir)
    cli: list[subprocess.Popen[str]] = []

    def let_the_cli_run() -> None:
        argv = [BIN, "admin", cli_action, "second", "--data-dir", data_dir]
        cli.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True))  # fmt: skip
        with contextlib.suppress(subprocess.TimeoutExpired):
            cli[0].wait(CLI_WINDOW)

    with ConfigStore(data_dir) as store:
        server = AdminAccounts(PausingStore(store, let_the_cli_run), check_new_password)  # type: ignore[arg-type]
        outcome = apply(server, "delete", "first", first)
    _, err = cli[0].communicate(timeout=60)
    word = "deleted" if cli_action == "delete" else "blocked"
    assert (outcome, cli[0].returncode) == ("done", 2)
    assert err == (
        f"otp-broker admin {cli_action}: error: 'second' is the last active administrator "
        f"and cannot be {word} (an active, unblocked administrator must remain; add or "
        "unblock another one first)\n"
    )
    assert usable_names(data_dir) == ["second"]
