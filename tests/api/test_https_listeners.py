"""HTTP and HTTPS listeners of a real ``otp-broker serve``: independent, switched at runtime.

Clients are real: ``http.client`` over ``ssl`` with verification against the broker's own
certificate (``<host name>.local``, which the self-signed certificate names).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from otpbroker.system import tls

BIN = Path(sys.executable).with_name("otp-broker")
HOST = socket.gethostname().lower().rstrip(".")
MDNS_NAME = HOST.split(".", 1)[0] + ".local"  # what the self-signed certificate names first


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(data: Path, *args: object) -> None:
    env = {**os.environ, "OTP_BROKER_DATA_DIR": str(data)}
    done = subprocess.run([BIN, "--data-dir", data, *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


class Serve:
    """``otp-broker serve`` in a subprocess with the URLs it printed."""

    def __init__(self, data: Path, log: Path, *args: object) -> None:
        argv = [BIN, "--data-dir", data, "serve", "--host", "127.0.0.1", *map(str, args)]
        self.log = log
        with log.open("w") as errors:
            self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.urls: list[str] = []

    def read_urls(self, count: int) -> list[str]:
        """The first ``count`` "serving on" URLs (printed together once serve is up)."""
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        assert ready, self.log.read_text()
        while len(self.urls) < count:
            line = self.process.stdout.readline()  # the rest is buffered or follows at once
            assert line.startswith("otp-broker serving on "), (line, self.log.read_text())
            self.urls.append(line.split(" on ", 1)[1].strip())
        return self.urls

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(30) == 0, self.log.read_text()
        assert self.process.stdout is not None
        self.process.stdout.close()


@contextlib.contextmanager
def serving(data: Path, *args: object) -> Iterator[Serve]:
    serve = Serve(data, data.parent / "serve.log", *args)
    try:
        yield serve
    finally:
        serve.stop()


def trusting(cert_file: Path) -> ssl.SSLContext:
    """A client context that trusts exactly this certificate."""
    context = ssl.create_default_context(cafile=str(cert_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def https_get(port: int, context: ssl.SSLContext, path: str = "/api/openapi.json") -> tuple:
    """(status, SHA-256 fingerprint of the served certificate) over verified TLS."""
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=15, context=context)
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), timeout=15),
        server_hostname=MDNS_NAME,
    )
    try:
        der = connection.sock.getpeercert(binary_form=True)
        connection.request("GET", path)
        status = connection.getresponse().status
    finally:
        connection.close()
    digest = hashlib.sha256(der).hexdigest().upper()
    return status, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def http_status(port: int, path: str = "/api/openapi.json") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except ConnectionRefusedError:
        return True


def eventually(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {seconds} s: {check}")
        time.sleep(0.2)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_https_only_with_self_signed_made_at_first_start(data):
    http_port, https_port = free_port(), free_port()
    cli(data, "config", "set", "api.https_enabled", "true")
    cli(data, "config", "set", "api.http_enabled", "false")
    assert not (data / "tls").exists()
    with serving(data, "--http-port", http_port, "--https-port", https_port) as serve:
        assert serve.read_urls(1) == [f"https://127.0.0.1:{https_port}"]
        folder = data / "tls"
        assert (folder / "key.pem").stat().st_mode & 0o777 == 0o600
        status, served = https_get(https_port, trusting(folder / "cert.pem"))
        assert status == 200
        assert served == tls.certificate_info(folder).fingerprint_sha256
        assert refused(http_port)
    assert refused(https_port)


def test_first_certificate_names_the_device(data):
    """Host name, <host>.local, the access point address and the static Ethernet address."""
    cli(data, "config", "set", "ethernet.address", "10.20.30.40/24")
    cli(data, "config", "set", "ethernet.mode", "static")
    cli(data, "config", "set", "api.https_enabled", "true")
    with serving(data, "--http-port", 0, "--https-port", 0) as serve:
        https_url = serve.read_urls(2)[1]
        info = tls.certificate_info(data / "tls")
        assert info.subject == f"CN={MDNS_NAME}"
        wanted = (f"DNS:{MDNS_NAME}", f"DNS:{HOST}", f"DNS:{HOST.split('.')[0]}")
        wanted += ("IP:192.168.0.11", "IP:10.20.30.40")
        assert info.sans == tuple(dict.fromkeys(wanted))
        port = int(https_url.rsplit(":", 1)[1])
        assert https_get(port, trusting(data / "tls" / "cert.pem"))[0] == 200  # name verified


def test_http_only_is_the_default(data):
    http_port, https_port = free_port(), free_port()
    with serving(data, "--http-port", http_port, "--https-port", https_port) as serve:
        assert serve.read_urls(1) == [f"http://127.0.0.1:{http_port}"]
        assert http_status(http_port) == 200
        assert refused(https_port)
        assert not (data / "tls").exists()  # no certificate until HTTPS is wanted


def test_both_listen_with_the_same_api(data):
    cli(data, "config", "set", "api.https_enabled", "true")
    with serving(data, "--http-port", 0, "--https-port", 0) as serve:
        http_url, https_url = serve.read_urls(2)
        assert http_url.startswith("http://127.0.0.1:") and https_url.startswith("https://")
        https_port = int(https_url.rsplit(":", 1)[1])
        assert http_status(int(http_url.rsplit(":", 1)[1])) == 200
        assert https_get(https_port, trusting(data / "tls" / "cert.pem"))[0] == 200
        # the admin is there too, on both: a fresh device sends to its setup page
        assert https_get(https_port, trusting(data / "tls" / "cert.pem"), "/")[0] == 303


def test_switching_at_runtime(data):
    http_port, https_port, moved = free_port(), free_port(), free_port()
    cli(data, "config", "set", "api.https_port", https_port)
    with serving(data, "--http-port", http_port) as serve:
        serve.read_urls(1)
        assert refused(https_port)
        cli(data, "config", "set", "api.https_enabled", "true")
        cert = data / "tls" / "cert.pem"
        eventually(lambda: https_get(https_port, trusting(cert))[0] == 200)
        assert http_status(http_port) == 200

        cli(data, "config", "set", "api.http_enabled", "false")
        eventually(lambda: refused(http_port))
        assert https_get(https_port, trusting(cert))[0] == 200

        cli(data, "config", "set", "api.https_port", moved)
        eventually(lambda: https_get(moved, trusting(cert))[0] == 200)
        assert refused(https_port)

        cli(data, "config", "set", "api.http_enabled", "true")
        eventually(lambda: http_status(http_port) == 200)


def test_port_in_use_is_an_error_not_a_crash_and_taken_once_free(data):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    cli(data, "config", "set", "api.https_enabled", "true")
    try:
        with serving(data, "--http-port", 0, "--https-port", busy) as serve:
            (url,) = serve.read_urls(1)
            assert url.startswith("http://")
            assert http_status(int(url.rsplit(":", 1)[1])) == 200
            eventually(lambda: "HTTPS not listening" in serve.log.read_text(), 10)
            assert serve.process.poll() is None
            taken.close()  # the port is free now: no configuration change follows
            cert = data / "tls" / "cert.pem"
            eventually(lambda: https_get(busy, trusting(cert))[0] == 200, 60)
            assert f"HTTPS listening on 127.0.0.1:{busy} after all" in serve.log.read_text()
    finally:
        taken.close()
