"""The helper behind its activation socket: one request per connection, the peer checked
with SO_PEERCRED, bounded requests, the unit's environment only, precise client errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from helper_root import HelperRoot
from helper_socket import HELPER, SocketActivator, unit_environ

from otpbroker.privileged import connection
from otpbroker.system.helper_client import HelperClient, HelperError
from otpbroker.system.helper_transports import MAX_REQUEST_BYTES, SocketTransport
from otpbroker.system.render_dnsmasq import render_dnsmasq

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by every user, unlike a virtualenv may be
# A client that uses nothing but the standard library (it runs as another user).
RAW_CLIENT = """
import socket, sys
conn = socket.socket(socket.AF_UNIX)
conn.connect(sys.argv[1])
conn.sendall(b'["pending"]')
conn.shutdown(socket.SHUT_WR)
print(conn.makefile("rb").read().decode())
"""


@pytest.fixture
def root(tmp_path: Path) -> HelperRoot:
    return HelperRoot(tmp_path / "root")


@pytest.fixture
def activated(root: HelperRoot):
    """A listening socket that starts the real helper per connection, like systemd; in a
    directory every user may enter (pytest's own temporary directories are root's only)."""
    with tempfile.TemporaryDirectory(prefix="otpb-sock-") as sockets:
        os.chmod(sockets, 0o755)  # noqa: S103 - another user must reach the socket
        activator = SocketActivator(Path(sockets) / "otpb-helper.sock", root.env)
        yield activator
        activator.stop()


def ask(data: bytes, env: dict[str, str]) -> dict:
    """Send raw ``data`` to a helper on a socket pair; its JSON answer."""
    ours, theirs = socket.socketpair()
    with ours:
        process = subprocess.Popen(HELPER, stdin=theirs, stdout=theirs, env=unit_environ(env))
        theirs.close()
        ours.sendall(data)
        ours.shutdown(socket.SHUT_WR)
        answer = ours.makefile("rb").read()
    assert process.wait(timeout=60) == 1
    return json.loads(answer)


def test_a_command_over_the_socket_applies_and_restarts(root, activated):
    client = HelperClient(SocketTransport(activated.path), root.stage)
    text = render_dnsmasq("wlan0", "192.168.0.11/24", "192.168.0.100", "192.168.0.200", "12h",
                          [], None, True)  # fmt: skip
    client.stage("dnsmasq", text)
    assert client.run("apply", "dnsmasq")["targets"] == ["dnsmasq"]
    assert root.path("/etc/dnsmasq.d/otp-broker.conf").read_text() == text
    assert root.systemctl_calls() == ["restart dnsmasq.service"]
    with pytest.raises(HelperError, match="unknown target 'resolv'"):
        client.run("apply", "resolv")


def test_the_helper_environment_is_the_units_not_the_clients(
    root, activated, monkeypatch, tmp_path
):
    other = HelperRoot(tmp_path / "other")
    for name, value in other.env.items():
        monkeypatch.setenv(name, value)  # the client's own environment: never sent
    client = HelperClient(SocketTransport(activated.path), root.stage)
    assert client.run("pending") == {}
    assert (root.path("/var/lib/otp-broker/helper")).is_dir()
    assert not other.path("/var/lib/otp-broker/helper").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another uid needs root")
def test_another_user_is_refused_by_peer_credentials(root, activated):
    activated.path.chmod(0o666)  # only the peer check stands in the way
    done = subprocess.run([SYSTEM_PYTHON, "-I", "-c", RAW_CLIENT, str(activated.path)],
                          user=NOBODY, group=NOBODY, extra_groups=[], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"error": "uid 65534 may not use the helper (only root "
                                       "and otpbroker)"}  # fmt: skip
    assert not root.path("/var/lib/otp-broker/helper").exists()


def test_root_is_allowed_by_peer_credentials():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert connection.peer_uid(theirs) == os.geteuid()
        if os.geteuid() == 0:
            connection.check_peer(theirs)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"apply dnsmasq", "the request is not JSON (an array of strings)"),
        (b'{"args": ["pending"]}', "the request must be a JSON array of strings"),
        (b'["apply", 1]', "the request must be a JSON array of strings"),
        (json.dumps(["apply"] * 65).encode(), "the request has 65 arguments, over 64"),
        (
            b'["' + b"x" * MAX_REQUEST_BYTES + b'"]',
            f"the request is over {MAX_REQUEST_BYTES} bytes",
        ),
        (b"\xff[]", "the request is not JSON (an array of strings)"),
    ],
)
def test_malformed_requests_get_a_precise_error(root, data, message):
    assert ask(data, root.env) == {"error": message}
    assert not root.path("/var/lib/otp-broker/helper").exists()


def test_a_stalled_client_is_dropped_after_the_read_timeout():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(b'["pend')  # and never the rest nor the end
        with pytest.raises(ValueError, match=r"no complete request within 0.3 s"):
            connection.read_request(theirs, timeout=0.3)


def test_the_program_without_a_socket_says_so(root):
    done = subprocess.run(HELPER, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=unit_environ(root.env), timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "--connection needs a socket on standard input" in json.loads(done.stdout)["error"]


def test_client_errors_name_the_cause(tmp_path):
    missing = HelperClient(SocketTransport(tmp_path / "none.sock"), tmp_path)
    with pytest.raises(HelperError, match=r"none.sock does not exist \(not a device"):
        missing.run("pending")
    closed = tmp_path / "closed.sock"
    with socket.socket(socket.AF_UNIX) as bound:
        bound.bind(str(closed))  # bound, never listening: what a stopped socket unit leaves
        with pytest.raises(HelperError, match="refused the connection"):
            HelperClient(SocketTransport(closed), tmp_path).run("pending")


def test_a_helper_that_never_answers_times_out(tmp_path):
    path = tmp_path / "silent.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(1)
        held: list[socket.socket] = []
        accepter = threading.Thread(target=lambda: held.append(listener.accept()[0]))
        accepter.start()
        with pytest.raises(HelperError, match=r"did not answer within 0.5 s"):
            HelperClient(SocketTransport(path), tmp_path).run("pending", timeout=0.5)
        accepter.join()
        held[0].close()
