"""The front's configuration: what the renderer writes is accepted by the real haproxy
(``haproxy -c``) for HTTP only, HTTPS only and both, and the values land where they should."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from otpbroker.domain.front import FrontLimits, FrontPlan
from otpbroker.system import tls
from otpbroker.system.haproxy_front import haproxy_binary
from otpbroker.system.render_haproxy import BUFFERED_BODY_BYTES, ERRORS, TOO_MANY, render

LIMITS = FrontLimits(max_connections=321, max_connections_per_client=7, request_timeout=3,
                     keep_alive=4, queue_timeout=5, server_timeout=456)  # fmt: skip


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket]]:
    pair = socket.create_server(("127.0.0.1", 0)), socket.create_server(("127.0.0.1", 0))
    yield pair
    for listening in pair:
        listening.close()


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    tls.ensure_self_signed(tmp_path / "tls", ["localhost"])
    combined = tmp_path / "front.pem"
    chain = tls.cert_path(tmp_path / "tls").read_bytes()
    combined.write_bytes(chain + tls.key_path(tmp_path / "tls").read_bytes())
    return combined


def plan_for(which: str, sockets, pem_file: Path, **changes) -> FrontPlan:
    http, https = sockets
    plan = FrontPlan(
        http_fd=http.fileno() if which in ("http", "both") else None,
        https_fd=https.fileno() if which in ("https", "both") else None,
        pem=str(pem_file),
        http_socket="/run/otp-broker/front-x/http.sock",
        https_socket="/run/otp-broker/front-x/https.sock",
        limits=LIMITS,
    )
    return dataclasses.replace(plan, **changes)


def haproxy_check(config: str, where: Path, fds: tuple[int, ...]) -> subprocess.CompletedProcess:
    path = where / "haproxy.cfg"
    path.write_text(config)
    return subprocess.run([haproxy_binary(), "-c", "-f", str(path)], pass_fds=fds,
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip


@pytest.mark.parametrize("which", ["http", "https", "both"])
def test_haproxy_accepts_the_rendered_configuration(which, sockets, pem, tmp_path):
    plan = plan_for(which, sockets, pem)
    fds = tuple(fd for fd in (plan.http_fd, plan.https_fd) if fd is not None)
    done = haproxy_check(render(plan), tmp_path, fds)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_configuration_is_refused_by_the_same_check(sockets, pem, tmp_path):
    """The check above can fail: a certificate file that is not one is refused."""
    (tmp_path / "bad.pem").write_text("not a certificate\n")
    plan = plan_for("https", sockets, tmp_path / "bad.pem")
    assert haproxy_check(render(plan), tmp_path, (plan.https_fd,)).returncode != 0


def test_the_values_land_where_they_should(sockets, pem):
    plan = plan_for("both", sockets, pem)
    lines = [line.strip() for line in render(plan).splitlines()]
    assert "maxconn 321" in lines
    for expected in ("timeout http-request 3s", "timeout http-keep-alive 4s",
                     "timeout queue 5s", "timeout server 456s", "timeout client 3s"):  # fmt: skip
        assert expected in lines
    assert f"bind fd@{plan.http_fd}" in lines
    assert f"bind fd@{plan.https_fd} ssl crt {pem}" in lines
    assert "server app unix@/run/otp-broker/front-x/http.sock maxconn 12" in lines
    assert "server app unix@/run/otp-broker/front-x/https.sock maxconn 3" in lines
    assert "use_backend https_stream if { path /admin-api/monitor/stream }" in lines
    assert "server app unix@/run/otp-broker/front-x/https.sock maxconn 2" in lines  # uploads
    assert f"acl large_body req.hdr_val(content-length) gt {BUFFERED_BODY_BYTES}" in lines
    assert "http-request wait-for-body time 3s unless large_body" in lines
    assert "http-request set-header X-Forwarded-For %[src]" in lines
    assert sum("if { sc0_conn_cur gt 7 }" in line for line in lines) == 2  # both schemes


def test_only_the_enabled_schemes_are_served(sockets, pem):
    text = render(plan_for("http", sockets, pem))
    assert "frontend http\n" in text and "frontend https" not in text and "ssl crt" not in text


def test_every_refusal_is_json_in_the_api_reply_shape():
    for status, code, text in ERRORS:
        assert 400 <= status < 600 and code.isdigit() and text
    assert json.loads(TOO_MANY) == {"command": "", "response_code": "1109",
                                    "response_text": json.loads(TOO_MANY)["response_text"]}  # fmt: skip
    text = render(FrontPlan(3, None, "/p.pem", "/a.sock", "/b.sock", LIMITS))
    for status, code, _ in ERRORS:
        line = next(x for x in text.splitlines() if f"http-error status {status} " in x)
        body = json.loads(line.split("string '", 1)[1].rstrip("'"))
        assert body["response_code"] == code and body["command"] == ""


@pytest.mark.parametrize(
    "changes",
    [
        {"http_fd": None, "https_fd": None},
        {"pem": "/tmp/a b.pem"},
        {"http_socket": "relative.sock"},
        {"https_socket": "/x\n    server evil 10.0.0.1:80"},
        {"stream_path": "/a }"},
        {"limits": FrontLimits(max_connections=0)},
        {"api_slots": 0},
    ],
)
def test_values_that_could_break_the_file_are_refused(changes, sockets, pem):
    with pytest.raises(ValueError):
        render(plan_for("both", sockets, pem, **changes))
