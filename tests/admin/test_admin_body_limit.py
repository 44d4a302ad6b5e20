"""The request body limit in front of the admin (and the API's own limit), with raw sockets.

A refused request is answered from its headers alone: the tests send the headers of a huge
upload and never its body, so a server that tried to read or parse the body would hang here
instead of answering. The handler behind it is counted to show it never ran.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import sys
import uuid
from email.message import Message
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from tls_samples import self_signed

from otpbroker.services.https_certificates import HttpsCertificates
from otpbroker.system.tls_directory import TlsDirectory
from otpbroker.web.admin.app import MAX_BODY_BYTES
from otpbroker.web.body_limit import CappedInput, limit_body

PADDING = "# explanatory text before the PEM block, as openssl x509 -text writes it\n" * 840


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.broker.store.update_settings({"api.https_enabled": True, "api.https_port": free_port()})
    h.start()
    yield h
    h.stop()


class CountingFolder:
    """The broker's certificate folder, counting the uploads handed to it (and installing)."""

    def __init__(self, folder: TlsDirectory) -> None:
        self.folder, self.calls = folder, []

    def info(self):
        return self.folder.info()

    def install(self, cert: bytes, key: bytes):
        self.calls.append(len(cert) + len(key))
        return self.folder.install(cert, key)

    def regenerate(self):
        return self.folder.regenerate()

    def names(self) -> list[str]:
        return self.folder.names()


@pytest.fixture
def counting(harness) -> CountingFolder:
    return CountingFolder(
        TlsDirectory(Path(harness.data_dir) / "tls", harness.broker.store.settings)
    )


@pytest.fixture
def installs(counting) -> list[int]:
    """Counts the uploads the HTTPS page hands to the certificate folder (and still installs)."""
    return counting.calls


@pytest.fixture
def counting_admin(harness, counting, serve_admin) -> AdminClient:
    """Logged in to the broker's admin served with the counting folder (same body limit)."""
    https = HttpsCertificates(counting, harness.broker.listeners)
    client = AdminClient(serve_admin(harness.broker, https=https).base)
    client.setup(harness.broker.setup_code.read())
    return client


def address(client: AdminClient) -> tuple[str, int]:
    host, port = client.base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def cookies(client: AdminClient) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.jar)


def multipart(csrf: str, files: dict[str, bytes]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
             .encode()]  # fmt: skip
    for name, data in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{name}.pem"\r\nContent-Type: application/x-pem-file\r\n\r\n')  # fmt: skip
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def exchange(where: tuple[str, int], head: str, body: bytes = b"") -> tuple[int, Message, bytes]:
    """Send ``head`` (request line and headers) and ``body`` as they are; read one answer
    (header names are case-insensitive: the front sends them in lower case)."""
    with socket.create_connection(where, timeout=30) as raw:
        raw.sendall(head.encode() + b"\r\n" + body)
        response = http.client.HTTPResponse(raw)
        response.begin()
        return response.status, response.headers, response.read()


def request_head(method: str, path: str, client: AdminClient, **headers: object) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Cookie: {cookies(client)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n"


def test_oversized_upload_refused_from_its_headers_without_the_handler(
    harness, counting_admin, installs
):
    admin = counting_admin
    admin.get("/https")
    content_type, _ = multipart(admin.csrf, {})
    head = request_head("POST", "/https/upload", admin, Content_Type=content_type,
                        Content_Length=10 * 1024 * 1024)  # fmt: skip
    status, headers, body = exchange(address(admin), head)  # the 10 MiB are never sent
    page = body.decode()
    assert status == 413 and headers["Content-Type"].startswith("text/html")
    assert f"Refused: the request body is 10485760 bytes; at most {MAX_BODY_BYTES} are" in page
    assert "at most 256 KiB" in page and 'href="/https"' in page
    assert (
        headers["X-Frame-Options"] == "DENY"
        and "frame-ancestors 'none'" in (headers["Content-Security-Policy"])
    )
    assert installs == []


def test_oversized_body_sent_whole_is_refused_and_nothing_changes(
    harness, counting_admin, installs
):
    admin = counting_admin
    before = (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes()
    admin.get("/https")
    cert, key = self_signed(Path(harness.data_dir).parent / "made", "big.test")
    content_type, body = multipart(admin.csrf, {"cert": cert + b"#" * 300_000, "key": key})
    connection = http.client.HTTPConnection(*address(admin), timeout=30)
    try:
        connection.request("POST", "/https/upload", body, {"Content-Type": content_type,
                                                           "Cookie": cookies(admin)})  # fmt: skip
        response = connection.getresponse()
        status, page = response.status, response.read().decode()
    except (BrokenPipeError, ConnectionResetError):  # refused while still sending: also fine
        status, page = 413, "Refused: the request body"
    finally:
        connection.close()
    assert status == 413 and "Refused: the request body" in page
    assert installs == []
    assert (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes() == before


@pytest.mark.parametrize("framing", ["none", "chunked"])
def test_post_without_content_length_is_411(harness, admin, framing):
    before = (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes()
    admin.get("/https")
    form = f"csrf={admin.csrf}".encode()
    if framing == "chunked":
        head = request_head("POST", "/https/regenerate", admin, Transfer_Encoding="chunked",
                            Content_Type="application/x-www-form-urlencoded")  # fmt: skip
        body = f"{len(form):x}\r\n".encode() + form + b"\r\n0\r\n\r\n"
    else:
        head = request_head("POST", "/https/regenerate", admin)
        body = b""
    status, _, page = exchange(address(admin), head, body)
    assert status == 411
    assert "must say how long its body is (Content-Length)" in page.decode()
    assert (Path(harness.data_dir) / "tls" / "cert.pem").read_bytes() == before


def test_admin_api_gets_json(harness, admin):
    head = request_head("POST", "/admin-api/feeders", admin, Content_Length=MAX_BODY_BYTES + 1,
                        Content_Type="application/json")  # fmt: skip
    status, headers, body = exchange(address(admin), head)
    assert status == 413 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"error": f"the request body is {MAX_BODY_BYTES + 1} bytes; "
                                         f"at most {MAX_BODY_BYTES} are accepted"}  # fmt: skip


def test_largest_legitimate_upload_still_works(harness, counting_admin, installs):
    """Certificate and key of almost 64 KiB each: about 125 KiB of multipart form."""
    admin = counting_admin
    cert, key = self_signed(Path(harness.data_dir).parent / "made", "padded.test")
    cert, key = PADDING.encode() + cert, PADDING.encode() + key
    assert 60_000 < len(cert) <= 64 * 1024 and 60_000 < len(key) <= 64 * 1024
    admin.get("/https")
    content_type, body = multipart(admin.csrf, {"cert": cert, "key": key})
    head = request_head("POST", "/https/upload", admin, Content_Type=content_type,
                        Content_Length=len(body))  # fmt: skip
    status, headers, page = exchange(address(admin), head, body)
    assert status == 303 and headers["Location"].endswith("/https"), page[:600]
    assert installs == [len(cert) + len(key)]
    assert "CN=padded.test" in admin.get("/https")[1]


def test_ordinary_forms_and_pages_still_work(harness, admin):
    assert admin.get("/https")[0] == 200
    assert admin.post("/https/regenerate")[0] == 303
    assert admin.post("/logout")[0] == 303
    assert admin.login("owner", "owner-password-1") == 303


def test_lying_content_length_lets_no_more_through():
    """Whatever the server does, the app behind the limit reads at most the declared bytes."""
    seen = []

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        seen.append(stream.readline() + stream.read())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    limited = limit_body(app, 1000)
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "12",
               "wsgi.input": io.BytesIO(b"first line\nsecond line and 100 KiB more" * 2600)}  # fmt: skip
    assert b"".join(limited(environ, lambda *args: None)) == b"ok"
    assert seen == [b"first line\ns"]
    capped = CappedInput(io.BytesIO(b"x" * 50), 20)
    assert len(capped.read(15)) == 15 and capped.read() == b"x" * 5 and capped.read() == b""


@pytest.mark.parametrize(
    ("environ", "status"),
    [
        ({"REQUEST_METHOD": "POST"}, "411 Length Required"),
        ({"REQUEST_METHOD": "PUT", "CONTENT_LENGTH": "12a"}, "400 Bad Request"),
        ({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "-1"}, "400 Bad Request"),
        ({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "1001"}, "413 Request Entity Too Large"),
        ({"REQUEST_METHOD": "GET", "HTTP_TRANSFER_ENCODING": "chunked"}, "411 Length Required"),
    ],
)
def test_refusals_never_call_the_app(environ, status):
    called, answered = [], []
    limited = limit_body(lambda *args: called.append(args) or [b""], 1000)
    body = b"".join(limited(environ, lambda line, headers: answered.append(line)))
    assert answered == [status] and called == [] and body.startswith(status.encode())


def test_api_limit_also_answers_from_the_headers(harness, admin):
    """The REST API refuses by its own setting (api.max_body_bytes) before reading, in JSON."""
    limit = int(harness.broker.store.get("api.max_body_bytes"))
    head = "\r\n".join(["POST /api/sms HTTP/1.1", "Host: 127.0.0.1",
                        "Content-Type: application/json", f"Content-Length: {limit + 1}"])  # fmt: skip
    status, _, body = exchange(address(admin), head + "\r\n")
    assert status == 413 and json.loads(body)["response_code"] == "1208"
    # the admin's limit does not apply to API paths: a larger API limit is honoured
    harness.broker.store.update_settings({"api.max_body_bytes": 1048576})
    harness.add_user()
    big = {"command": "send-sms", "data": {"msisdn": "+6281234567890", "message": "x" * 400_000}}
    status, answer, _ = harness.request("/api/sms", big)
    assert status != 413 and answer["response_code"] != "1208"
