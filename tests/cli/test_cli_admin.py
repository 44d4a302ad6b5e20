"""``otp-broker admin``: the real console script, with the rules of the admin pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from otpbroker.config import ConfigStore
from otpbroker.domain.password_hash import verify_password

BIN = Path(sys.executable).with_name("otp-broker")
PASSWORD = "Tr0ub4dor&3-horse"
OTHER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of every run: a default data dir that no test may touch."""
    return {**os.environ, "OTP_BROKER_DATA_DIR": str(tmp_path / "default-dir")}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def admin_cli(env, data, *args: object, stdin: str | None = None) -> subprocess.CompletedProcess:
    argv = [BIN, "admin", *map(str, args), "--data-dir", data]
    run = {"capture_output": True, "text": True, "env": env, "timeout": 60, "check": False}
    if stdin is None:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, **run)
    return subprocess.run(argv, input=stdin, **run)


def add(env, data, name: str, password: str = PASSWORD, *extra: str):
    return admin_cli(env, data, "add", name, *extra, stdin=password + "\n")


def records(data: Path) -> list[dict]:
    with ConfigStore(data) as store:
        return store.list("admins")


def test_add_list_passwd_flags_and_delete(env, data):
    done = add(env, data, "owner", PASSWORD, "--email", "owner@example.com")
    assert (done.returncode, done.stdout, done.stderr) == (0, "added administrator 'owner'\n", "")
    assert add(env, data, "second", PASSWORD, "--password-stdin").returncode == 0
    [owner, second] = records(data)
    assert owner["password_hash"] != second["password_hash"]  # the same password, another salt
    assert all(verify_password(PASSWORD, r["password_hash"]) for r in (owner, second))
    table = admin_cli(env, data, "list").stdout.splitlines()
    assert table[0].split() == ["username", "active", "blocked", "phone", "email"]
    assert table[1].split() == ["owner", "yes", "no", "-", "owner@example.com"]
    listed = admin_cli(env, data, "list", "--json").stdout
    assert "scrypt" not in listed + "\n".join(table)
    assert all(a["password_hash_set"] is True for a in json.loads(listed))
    for action, word in (("block", "blocked"), ("unblock", "unblocked"),
                         ("deactivate", "deactivated"), ("activate", "activated")):  # fmt: skip
        changed = admin_cli(env, data, action, "SECOND")
        assert (changed.returncode, changed.stdout) == (0, f"{word} administrator 'second'\n")
    changed = admin_cli(env, data, "passwd", "second", stdin=OTHER_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    encoded = records(data)[1]["password_hash"]
    assert verify_password(OTHER_PASSWORD, encoded) and not verify_password(PASSWORD, encoded)
    assert OTHER_PASSWORD.encode() not in (data / "config.json").read_bytes()
    gone = admin_cli(env, data, "delete", "second")
    assert (gone.returncode, gone.stdout) == (0, "deleted administrator 'second'\n")
    assert [r["username"] for r in records(data)] == ["owner"]


@pytest.mark.parametrize(("action", "word"), [("delete", "deleted"), ("deactivate", "deactivated"),
                                              ("block", "blocked")])  # fmt: skip
def test_the_last_administrator_is_refused(env, data, action, word):
    assert add(env, data, "owner").returncode == 0
    assert add(env, data, "spare").returncode == 0
    assert admin_cli(env, data, "block", "spare").returncode == 0  # a blocked one does not count
    before = (data / "config.json").read_bytes()
    refused = admin_cli(env, data, action, "owner")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"otp-broker admin {action}: error: 'owner' is the last active administrator and "
        f"cannot be {word} (an active, unblocked administrator must remain; add or unblock "
        "another one first)\n"
    )
    assert (data / "config.json").read_bytes() == before
    assert admin_cli(env, data, "unblock", "spare").returncode == 0
    assert admin_cli(env, data, action, "owner").returncode == 0


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("\n", "the password must not be empty"),
        ("short\n", "password: must be at least 8 characters long"),
        ("tab\tinside-it\n", "password: must not contain control or line-break characters"),
    ],
)
def test_a_bad_password_leaves_no_record(env, data, stdin, message):
    refused = admin_cli(env, data, "add", "dave", stdin=stdin)
    assert refused.returncode == 2 and message in refused.stderr
    assert not (data / "config.json").exists() or records(data) == []


def test_a_duplicate_name_is_refused(env, data):
    assert add(env, data, "owner").returncode == 0
    before = (data / "config.json").read_bytes()
    refused = add(env, data, "Owner", OTHER_PASSWORD)
    assert refused.returncode == 2
    assert "an administrator named 'owner' already exists" in refused.stderr
    assert (data / "config.json").read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [["add", "bob", PASSWORD], ["add", "bob", "--password", PASSWORD],
     ["add", "bob", f"--password={PASSWORD}"], ["passwd", "bob", PASSWORD]],
)  # fmt: skip
def test_a_password_is_never_taken_from_the_command_line(env, data, args):
    refused = admin_cli(env, data, *args, stdin=OTHER_PASSWORD + "\n")
    assert refused.returncode == 2 and "never accepted on the command line" in refused.stderr
    assert PASSWORD not in refused.stderr + refused.stdout
    assert not (data / "config.json").exists() or records(data) == []


@pytest.mark.parametrize("action", ["block", "delete", "passwd"])
def test_unknown_administrators_are_reported(env, data, action):
    refused = admin_cli(env, data, action, "ghost", stdin=PASSWORD + "\n")
    assert refused.returncode == 1
    assert refused.stderr == f"otp-broker admin {action}: error: no administrator named 'ghost'\n"
