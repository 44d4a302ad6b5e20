"""The DDNS HTTP client verifies TLS certificates by default."""

from __future__ import annotations

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from otpbroker.ddns.web_client import NetworkError, WebClient


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/", cert
    server.shutdown()
    server.server_close()


def test_an_unknown_certificate_is_refused(https_server) -> None:
    url, _cert = https_server
    with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
        WebClient("OTP-Broker/test", timeout=5.0).request("GET", url)


def test_a_trusted_certificate_is_accepted(https_server) -> None:
    url, cert = https_server
    trusted = ssl.create_default_context(cafile=str(cert))
    answer = WebClient("OTP-Broker/test", timeout=5.0, tls=trusted).request("GET", url)
    assert (answer.status, answer.text) == (200, "ok")


def test_only_http_urls_are_requested() -> None:
    with pytest.raises(NetworkError, match="not an http"):
        WebClient("OTP-Broker/test").request("GET", "file:///etc/passwd")
