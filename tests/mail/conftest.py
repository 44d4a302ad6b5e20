"""Fixtures of the mail tests: a test CA and server certificate, TLS contexts, servers."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from smtp_servers import RawServer, SmtpServer, start_smtp


@dataclass(frozen=True)
class CertFiles:
    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def test_certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost (test only)."""
    folder = tmp_path_factory.mktemp("certs")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=OTP Broker Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
        cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", "4242", "-days", "2", "-out", "server.pem", "-extfile", "server.ext",
        cwd=folder,
    )  # fmt: skip
    return CertFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@pytest.fixture(scope="session")
def server_tls(test_certs: CertFiles) -> ssl.SSLContext:
    """The servers' TLS context."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(test_certs.cert, test_certs.key)
    return context


@pytest.fixture(scope="session")
def client_tls(test_certs: CertFiles) -> ssl.SSLContext:
    """A client context that trusts the test CA only."""
    return ssl.create_default_context(cafile=str(test_certs.ca))


@pytest.fixture
def smtp_server(server_tls: ssl.SSLContext) -> Iterator[Callable[..., SmtpServer]]:
    """Start SMTP servers (see smtp_servers.start_smtp); all stopped after the test."""
    started: list[SmtpServer] = []

    def start(name: str = "smtp", **kwargs: Any) -> SmtpServer:
        if kwargs.get("mode", "plain") != "plain":
            kwargs.setdefault("tls_context", server_tls)
        server = start_smtp(name, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    """Start bare socket servers that hang up after the greeting (or never greet)."""
    started: list[RawServer] = []

    def start(**kwargs: Any) -> RawServer:
        server = RawServer(**kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class FakeClock:
    """A settable local wall clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2024, 5, 1, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def account(name: str, port: int, **fields: Any) -> dict[str, Any]:
    """A mail_accounts record for a test server on 127.0.0.1."""
    record: dict[str, Any] = {
        "id": f"id-{name}",
        "name": name,
        "kind": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "auth": False,
        "username": "",
        "password": "",
        "sender": f"{name}@sender.test",
        "daily_limit": 0,
        "active": True,
    }
    record.update(fields)
    return record


@pytest.fixture
def make_account() -> Callable[..., dict[str, Any]]:
    return account
