"""The HTTPS page: listener states, certificate facts, upload (multipart) and regeneration.

The broker runs in-process with HTTPS on; after an upload the HTTPS listener is checked with a
real TLS client: it presents the new certificate, or still the old one after a refusal.
"""

from __future__ import annotations

import hashlib
import html
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from tls_samples import expired, openssl, self_signed, signed_by_ca

HOST = socket.gethostname().lower().rstrip(".")
MDNS_NAME = HOST.split(".", 1)[0] + ".local"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.https_port = free_port()
    h.broker.store.update_settings({"api.https_enabled": True, "api.https_port": h.https_port})
    h.start()
    yield h
    h.stop()


def served_fingerprint(port: int) -> str:
    """SHA-256 of the certificate the HTTPS listener presents to a new connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # we compare the fingerprint ourselves
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with raw, context.wrap_socket(raw) as tls_socket:
        der = tls_socket.getpeercert(binary_form=True)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def fingerprint_of(cert_pem: bytes) -> str:
    first = cert_pem.decode().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def eventually_served(port: int, fingerprint: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    seen = ""
    while time.monotonic() < deadline:
        try:
            seen = served_fingerprint(port)
        except OSError:
            seen = "(no listener)"
        if seen == fingerprint:
            return
        time.sleep(0.1)
    raise AssertionError(f"served {seen}, expected {fingerprint}")


def upload(client: AdminClient, files: dict[str, bytes], csrf: str | None = None) -> tuple:
    """POST multipart/form-data to /https/upload like a browser."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
             f"{client.csrf if csrf is None else csrf}\r\n".encode()]  # fmt: skip
    for name, data in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}.pem"\r\nContent-Type: application/x-pem-file\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(client.base + "/https/upload", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    try:
        with client.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def field_error(page: str, name: str) -> str:
    block = page.split(f'id="f-{name}"', 1)[1].split('<div class="field', 1)[0]
    found = re.search(r'<small class="error" id="e-' + name + r'">(.*?)</small>', block, re.S)
    return html.unescape(found.group(1)) if found else ""


def test_page_shows_listeners_and_the_generated_certificate(harness, admin):
    status, page, _ = admin.get("/https")
    assert status == 200
    folder = Path(harness.data_dir) / "tls"
    fingerprint = fingerprint_of((folder / "cert.pem").read_bytes())
    assert fingerprint in page and f"CN={MDNS_NAME}" in page and "(self-signed)" in page
    assert f"port {harness.https_port}" in page and page.count("listening</span>") == 2
    assert served_fingerprint(harness.https_port) == fingerprint
    assert 'enctype="multipart/form-data"' in page


def test_matching_pair_installed_and_presented(harness, admin, tmp_path):
    cert, key = self_signed(tmp_path / "made", "api.example.org")
    admin.get("/https")
    status, text, headers = upload(admin, {"cert": cert, "key": key})
    assert status == 303 and headers["Location"].endswith("/https"), text[:800]
    eventually_served(harness.https_port, fingerprint_of(cert))
    page = admin.get("/https")[1]
    assert "Certificate installed (CN=api.example.org" in html.unescape(page)
    assert fingerprint_of(cert) in page and "DNS:api.example.org" in page


def test_chain_upload_presented(harness, admin, tmp_path):
    leaf, key, root = signed_by_ca(tmp_path)
    admin.get("/https")
    assert upload(admin, {"cert": leaf + root, "key": key})[0] == 303
    eventually_served(harness.https_port, fingerprint_of(leaf))
    assert "CN=Test Root CA" in admin.get("/https")[1]


@pytest.mark.parametrize("case", ["mismatch", "expired", "garbage", "missing", "too big"])
def test_bad_uploads_refused_next_to_the_field_and_old_certificate_kept(
    harness, admin, tmp_path, case
):
    old = served_fingerprint(harness.https_port)
    cert, key = self_signed(tmp_path / "a", "a.test")
    files, field, message = {
        "mismatch": ({"cert": cert, "key": self_signed(tmp_path / "b", "b.test")[1]}, "key",
                     "the key does not belong to this certificate"),
        "expired": (dict(zip(("cert", "key"), expired(tmp_path), strict=True)), "cert",
                    "certificate expired on 2021-01-01 00:00 UTC"),
        "garbage": ({"cert": b"not a certificate at all", "key": key}, "cert",
                    "not a PEM certificate"),
        "missing": ({"cert": cert}, "key", "choose the private key file (PEM)"),
        "too big": ({"cert": cert + b"#" * 70_000, "key": key}, "cert",
                    "the file is larger than 64 KiB; upload PEM text"),
    }[case]  # fmt: skip
    admin.get("/https")
    status, page, _ = upload(admin, files)
    assert status == 400
    assert field_error(page, field) == message
    assert "Nothing was changed" in page
    time.sleep(0.5)  # a wrongly started restart would show by now
    assert served_fingerprint(harness.https_port) == old


def test_upload_needs_the_csrf_token(harness, admin, tmp_path):
    cert, key = self_signed(tmp_path / "a", "a.test")
    old = served_fingerprint(harness.https_port)
    status, _, _ = upload(admin, {"cert": cert, "key": key}, csrf="forged")
    assert status == 403
    assert served_fingerprint(harness.https_port) == old


def test_regenerate_makes_a_new_self_signed_certificate_with_the_device_names(harness, admin):
    old = served_fingerprint(harness.https_port)
    harness.broker.store.update_settings(
        {"ethernet.mode": "static", "ethernet.address": "10.20.30.40/24"}
    )
    names = [MDNS_NAME, HOST, HOST.split(".")[0], "192.168.0.11", "10.20.30.40"]
    names = list(dict.fromkeys(names))
    page = admin.get("/https")[1]
    assert f'data-cert="new-names">{", ".join(names)}</span>' in page
    status, _, _ = admin.post("/https/regenerate")
    assert status == 303
    folder = Path(harness.data_dir) / "tls"
    new = fingerprint_of((folder / "cert.pem").read_bytes())
    assert new != old
    eventually_served(harness.https_port, new)
    text = openssl("x509", "-in", folder / "cert.pem", "-noout", "-ext", "subjectAltName")
    sans = text.decode().splitlines()[1].strip().split(", ")
    dns, ips = names[:-2], names[-2:]
    assert sans == [f"DNS:{name}" for name in dns] + [f"IP Address:{ip}" for ip in ips]


def wait_page(admin: AdminClient, marker: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        page = admin.get("/https")[1]
        if marker in page or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def test_busy_port_shown_as_error_then_taken_by_itself_once_free(harness, admin):
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        harness.broker.store.update_settings({"api.https_port": busy})
        page = wait_page(admin, "badge bad", 20)
        assert f"port {busy}:" in page and "Address already in use" in page
        assert "Tried again by itself, next within 5 s." in page
        assert admin.get("/")[0] == 200  # the admin (on HTTP) carries on
        page = wait_page(admin, "next within 10 s", 30)  # still busy: the wait grows
        assert "Address already in use" in page and "next within 10 s" in page
    finally:
        taken.close()  # free the port; nothing in the configuration changes
    page = wait_page(admin, f"listening</span> port {busy}", 60)
    assert page.count("listening</span>") == 2 and "badge bad" not in page
    folder = Path(harness.data_dir) / "tls"
    assert served_fingerprint(busy) == fingerprint_of((folder / "cert.pem").read_bytes())
