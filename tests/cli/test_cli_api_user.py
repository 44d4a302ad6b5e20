"""``otp-broker api-user``: the real console script, the stored hashes, and a running server."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from otpbroker.config import ConfigStore
from otpbroker.domain.password_hash import verify_password

BIN = Path(sys.executable).with_name("otp-broker")
PASSWORD = "Tr0ub4dor&3-horse"
OTHER_PASSWORD = "correct horse battery staple"
USERNAME_RULE = "api_users.username: value must be 1-64 of A-Z a-z 0-9 . _ @ -"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of every run: a default data dir that no test may touch."""
    return {**os.environ, "OTP_BROKER_DATA_DIR": str(tmp_path / "default-dir")}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def cli(env, *args: object, stdin: str | None = None, **options) -> subprocess.CompletedProcess:
    if stdin is None and "preexec_fn" not in options:
        options["stdin"] = subprocess.DEVNULL
    run = {"capture_output": True, "text": True, "env": env, "timeout": 60, "check": False}
    return subprocess.run([BIN, *map(str, args)], input=stdin, **run, **options)


def api_user(env, data, *args: object, stdin: str | None = None, **options: object):
    return cli(env, "api-user", *args, "--data-dir", data, stdin=stdin, **options)


def add(env, data, name: str, password: str = PASSWORD, *extra: str):
    return api_user(env, data, "add", name, "--password-stdin", *extra, stdin=password + "\n")


def user(data: Path, name: str) -> dict:
    with ConfigStore(data) as store:
        [record] = store.find("api_users", username=name)
    return record


def files_contain(data: Path, secret: str) -> list[Path]:
    return [
        path for path in data.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_add_stores_only_a_verifiable_salted_hash(env, data, tmp_path):
    done = add(env, data, "alice", PASSWORD, "--phone", "+628123456789", "--email", "a@example.com")
    assert (done.returncode, done.stdout, done.stderr) == (0, "added API user 'alice'\n", "")
    record = user(data, "alice")
    assert record["phone"] == "+628123456789" and record["email"] == "a@example.com"
    assert record["active"] is True and record["blocked"] is False
    assert record["password_hash"].startswith("scrypt$")
    assert verify_password(PASSWORD, record["password_hash"])
    assert not verify_password(OTHER_PASSWORD, record["password_hash"])
    stored = json.loads((data / "config.json").read_text())
    [stored_user] = stored["api_users"].values()
    assert stored_user["password_hash"] == record["password_hash"]
    assert files_contain(data, PASSWORD) == []
    assert not (tmp_path / "default-dir").exists()
    assert add(env, data, "bob", PASSWORD).returncode == 0  # same password, another salt
    assert user(data, "bob")["password_hash"] != record["password_hash"]


def test_a_crlf_line_and_the_first_line_only_are_the_password(env, data):
    args = ["--data-dir", data, "api-user", "add", "carol", "--password-stdin"]
    done = cli(env, *args, stdin=PASSWORD + "\r\nsecond line\n")
    assert done.returncode == 0, done.stderr
    assert verify_password(PASSWORD, user(data, "carol")["password_hash"])


def test_list_shows_users_but_never_hashes(env, data):
    empty = api_user(env, data, "list")
    assert empty.stdout == "username  active  blocked  phone  email\n(no API users)\n"
    assert add(env, data, "alice", PASSWORD, "--phone", "0812345").returncode == 0
    assert add(env, data, "bob.smith@corp", PASSWORD, "--email", "bob@corp.example").returncode == 0
    assert api_user(env, data, "block", "bob.smith@corp").returncode == 0
    table = api_user(env, data, "list").stdout.splitlines()
    assert table[0].split() == ["username", "active", "blocked", "phone", "email"]
    assert table[1].split() == ["alice", "yes", "no", "0812345", "-"]
    assert table[2].split() == ["bob.smith@corp", "yes", "yes", "-", "bob@corp.example"]
    listed = api_user(env, data, "list", "--json").stdout
    users = json.loads(listed)
    assert [u["username"] for u in users] == ["alice", "bob.smith@corp"]
    assert users[1]["blocked"] is True and users[1]["email"] == "bob@corp.example"
    assert all("password_hash" not in u and u["password_hash_set"] is True for u in users)
    assert "scrypt" not in listed and "scrypt" not in "\n".join(table)


def test_flags_passwd_and_delete_change_the_record(env, data):
    assert add(env, data, "alice").returncode == 0
    for action, done_word, field, value in [
        ("block", "blocked", "blocked", True),
        ("unblock", "unblocked", "blocked", False),
        ("deactivate", "deactivated", "active", False),
        ("activate", "activated", "active", True),
    ]:
        done = api_user(env, data, action, "ALICE")
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"{done_word} API user 'alice'\n"
        assert user(data, "alice")[field] is value
    again = api_user(env, data, "activate", "alice")
    assert (again.returncode, again.stdout) == (0, "API user 'alice' was already activated\n")
    new = OTHER_PASSWORD + "\n"
    changed = api_user(env, data, "passwd", "alice", "--password-stdin", stdin=new)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout == "changed the password of API user 'alice'\n"
    record = user(data, "alice")
    assert verify_password(OTHER_PASSWORD, record["password_hash"])
    assert not verify_password(PASSWORD, record["password_hash"])
    assert files_contain(data, OTHER_PASSWORD) == []
    gone = api_user(env, data, "delete", "alice")
    assert (gone.returncode, gone.stdout) == (0, "deleted API user 'alice'\n")
    with ConfigStore(data) as store:
        assert store.list("api_users") == []


@pytest.mark.parametrize(
    "action", ["block", "unblock", "activate", "deactivate", "delete", "passwd"]
)
def test_unknown_users_are_reported(env, data, action):
    options = ["--password-stdin"] if action == "passwd" else []
    refused = api_user(env, data, action, "ghost", *options, stdin=PASSWORD + "\n")
    assert refused.returncode == 1
    assert refused.stderr == f"otp-broker api-user {action}: error: no API user named 'ghost'\n"


def test_a_duplicate_name_is_refused_case_insensitively(env, data):
    assert add(env, data, "alice").returncode == 0
    before = (data / "config.json").read_bytes()
    refused = add(env, data, "Alice", OTHER_PASSWORD)
    assert refused.returncode == 1
    assert "an API user named 'alice' already exists" in refused.stderr
    assert (data / "config.json").read_bytes() == before


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("\n", "the password must not be empty"),
        ("", "the password must not be empty"),
        ("short\n", "password: must be at least 8 characters long"),
        ("tab\tinside-it\n", "password: must not contain control or line-break characters"),
        ("x" * 1025 + "\n", "password: must be at most 1024 characters long"),
    ],
)
def test_bad_passwords_are_refused(env, data, stdin, message):
    refused = api_user(env, data, "add", "dave", "--password-stdin", stdin=stdin)
    assert refused.returncode == 2
    assert message in refused.stderr
    assert stdin.strip() == "" or stdin.strip() not in refused.stderr
    with ConfigStore(data) as store:
        assert store.list("api_users") == []


def test_a_closed_stdin_is_refused_clearly(env, data):
    closed = {"preexec_fn": lambda: os.close(0)}
    refused = api_user(env, data, "add", "dave", "--password-stdin", **closed)
    assert refused.returncode == 2
    assert "--password-stdin: standard input is closed" in refused.stderr


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("bad name", [], f"{USERNAME_RULE}, got 'bad name'"),
        ("bob!", [], f"{USERNAME_RULE}, got 'bob!'"),
        ("x" * 65, [], USERNAME_RULE),
        ("bob", ["--phone", "12-34"], "api_users.phone: value must be empty or 3-20 digits"),
        ("bob", ["--email", "bob"], "api_users.email: value must be empty or an e-mail address"),
    ],
)
def test_invalid_fields_are_refused_with_the_stores_message(env, data, name, extra, message):
    refused = add(env, data, name, PASSWORD, *extra)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"otp-broker api-user add: error: {message}")
    with ConfigStore(data) as store:
        assert store.list("api_users") == []


@pytest.mark.parametrize(
    "args",
    [
        ["add", "bob", PASSWORD],
        ["add", "bob", PASSWORD, "--password-stdin"],
        ["add", "bob", "--password", PASSWORD],
        ["add", "bob", f"--password={PASSWORD}"],
        ["passwd", "bob", PASSWORD],
        ["add", "bob"],
    ],
)
def test_a_password_is_never_taken_from_the_command_line(env, data, args):
    refused = api_user(env, data, *args, stdin=OTHER_PASSWORD + "\n")
    assert refused.returncode == 2
    assert "--password-stdin" in refused.stderr
    assert PASSWORD not in refused.stderr + refused.stdout
    assert not (data / "config.json").exists() or files_contain(data, "bob") == []


# -- a running server picks the change up ----------------------------------------------


@contextlib.contextmanager
def serving(env: dict[str, str], data: Path, log: Path) -> Iterator[str]:
    """``otp-broker serve`` in a subprocess; yields its base URL; SIGTERM at the end."""
    with socket.socket() as probe:  # pick a free port: the server must be told a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [BIN, "--data-dir", data, "serve", "--host", "127.0.0.1", "--http-port", str(port)]
    with log.open("w") as errors:
        server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        assert line.startswith("otp-broker serving on http://"), log.read_text()
        yield line.split(" on ", 1)[1].strip()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0, log.read_text()
        server.stdout.close()


def post(url: str, username: str, password: str) -> tuple[int, dict]:
    body = b'{"command":"block-msisdn","data":{"msisdn":"08126666666"}}'
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the running server did not pick up the change"
        time.sleep(0.1)


def test_a_running_server_accepts_added_and_rejects_blocked_users(env, data, tmp_path):
    log = tmp_path / "serve.log"
    with serving(env, data, log) as base:
        url = base + "/api/sms"
        assert post(url, "alice", PASSWORD)[0] == 401
        assert add(env, data, "alice").returncode == 0
        eventually(lambda: post(url, "alice", PASSWORD)[0] == 200)
        status, body = post(url, "alice", PASSWORD)
        assert (status, body["response_code"]) == (200, "0000")
        assert post(url, "alice", OTHER_PASSWORD)[0] == 401
        assert api_user(env, data, "block", "alice").returncode == 0
        started = time.monotonic()
        eventually(lambda: post(url, "alice", PASSWORD)[0] == 401)
        assert time.monotonic() - started < 5
        status, body = post(url, "alice", PASSWORD)
        assert (status, body["response_code"]) == (401, "1209")
    assert PASSWORD not in log.read_text()
    assert files_contain(data, PASSWORD) == []


@pytest.mark.parametrize(
    "placement",
    [
        "--data-dir {d} api-user list --json",
        "api-user --data-dir {d} list --json",
        "api-user list --json --data-dir {d}",
    ],
)
def test_data_dir_is_accepted_before_and_after_the_command(env, data, tmp_path, placement):
    assert add(env, data, "alice").returncode == 0
    listed = cli(env, *[data if part == "{d}" else part for part in placement.split()])
    assert listed.returncode == 0, listed.stderr
    assert [u["username"] for u in json.loads(listed.stdout)] == ["alice"]
    assert not (tmp_path / "default-dir").exists()
