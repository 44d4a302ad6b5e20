"""``serve`` tells systemd when it is ready (``Type=notify``), through ``$NOTIFY_SOCKET``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from otpbroker.system import readiness

BIN = Path(sys.executable).with_name("otp-broker")


@pytest.fixture
def listening(tmp_path):
    """A datagram socket standing in for systemd's notification socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        path = tmp_path / "notify.sock"
        sock.bind(str(path))
        sock.settimeout(60)
        yield sock, str(path)


def test_ready_reaches_a_path_socket(listening):
    sock, path = listening
    assert readiness.notify("READY=1", {"NOTIFY_SOCKET": path})
    assert sock.recv(4096) == b"READY=1"


def test_ready_reaches_an_abstract_socket():
    name = f"otpb-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(10)
        assert readiness.notify("READY=1\nSTATUS=up", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096) == b"READY=1\nSTATUS=up"


@pytest.mark.parametrize("value", ["", "relative/path", "/nonexistent/dir/notify.sock"])
def test_without_a_usable_socket_nothing_happens(value):
    assert readiness.notify("READY=1", {"NOTIFY_SOCKET": value} if value else {}) is False


def test_serve_reports_ready_with_its_address_once_listening(tmp_path, listening):
    sock, path = listening
    data = tmp_path / "data"
    env = {**os.environ, "NOTIFY_SOCKET": path}
    process = subprocess.Popen(
        [BIN, "--data-dir", data, "serve", "--host", "127.0.0.1", "--http-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        message = sock.recv(4096).decode()
        assert process.stdout is not None
        printed = process.stdout.readline().strip()
        assert printed.startswith("otp-broker serving on http://127.0.0.1:")
        url = printed.rsplit(" ", 1)[1]
        assert message == f"READY=1\nSTATUS=serving on {url}"
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass  # the port named in the status really is open
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""


def test_serve_tells_its_stop_and_its_bound_and_exits_0(tmp_path, listening):
    sock, path = listening
    env = {**os.environ, "NOTIFY_SOCKET": path, "OTP_BROKER_RUNTIME_DIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [BIN, "--data-dir", tmp_path / "data", "serve", "--host", "127.0.0.1",
             "--http-port", "0"],
            stdout=subprocess.DEVNULL, stderr=errors, env=env,
        )  # fmt: skip
    try:
        assert sock.recv(4096).startswith(b"READY=1\n")
        process.send_signal(signal.SIGHUP)
        stopping = sock.recv(4096).decode()
        assert process.wait(60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    # The default sms.stop_timeout_seconds (30) + 15 is Broker.stop_bound(); serve ends
    # itself 5 s past it and asks systemd for 5 s more.
    assert stopping == "STOPPING=1\nEXTEND_TIMEOUT_USEC=55000000\nSTATUS=stopping"
    assert re.search(r"SIGHUP: stopping \(at most 50 s\)", log.read_text())
    assert re.search(r"stopped in \d+\.\d\d s\n", log.read_text())
