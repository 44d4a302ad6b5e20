"""The legitimate client whose answers are measured while hostile clients hold connections:
authenticated ``send-sms`` requests and the admin's login page, each on a new connection
from 127.0.0.1, each with a time-out."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from served_broker import API_USER, Endpoint


@dataclass
class Answer:
    """One request's outcome: seconds to the whole answer, HTTP status, reply code (or the
    error that stopped it: a time-out, a reset)."""

    seconds: float
    status: int = 0
    code: str = ""
    error: str = ""


def verifying_tls(certificate: Path) -> ssl.SSLContext:
    """A client trusting exactly the broker's certificate (its names are not checked: the
    test reaches it as 127.0.0.1)."""
    context = ssl.create_default_context(cafile=str(certificate))
    context.check_hostname = False
    return context


def connection(
    endpoint: Endpoint, timeout: float, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    """A new connection (HTTP or HTTPS) from 127.0.0.1."""
    source = ("127.0.0.1", 0)
    if endpoint.scheme == "https":
        return http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=timeout,
                                           source_address=source, context=tls)  # fmt: skip
    return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout,
                                      source_address=source)  # fmt: skip


def timed(
    endpoint: Endpoint,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 20.0,
    tls: ssl.SSLContext | None = None,
) -> tuple[Answer, bytes]:
    """One request on a new connection; its Answer (code unset) and the response body."""
    started = time.perf_counter()
    client = connection(endpoint, timeout, tls)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        payload = response.read()
        return Answer(time.perf_counter() - started, response.status), payload
    except (OSError, http.client.HTTPException) as error:
        return Answer(time.perf_counter() - started, error=repr(error)), b""
    finally:
        client.close()


def send_sms(
    endpoint: Endpoint, index: int, timeout: float = 20.0, tls: ssl.SSLContext | None = None
) -> Answer:
    """An authenticated send-sms to a test number; its answer and reply code."""
    token = base64.b64encode(":".join(API_USER).encode()).decode()
    message = f"Kode OTP Anda {100000 + index}. Jangan berikan kode ini kepada siapa pun."
    command = {"command": "send-sms", "data": {"msisdn": "08126666666", "message": message}}
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    answer, payload = timed(endpoint, "POST", "/api/sms", body=json.dumps(command).encode(),
                            headers=headers, timeout=timeout, tls=tls)  # fmt: skip
    if payload:
        try:
            answer.code = str(json.loads(payload).get("response_code", ""))
        except (ValueError, AttributeError):
            answer.error = f"not a JSON reply: {payload[:80]!r}"
    return answer


def admin_page(
    endpoint: Endpoint, timeout: float = 20.0, tls: ssl.SSLContext | None = None
) -> Answer:
    """The admin's login page (what a visitor without a session gets)."""
    return timed(endpoint, "GET", "/login", timeout=timeout, tls=tls)[0]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile, nearest rank."""
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(share * len(ranked) + 0.5) - 1))]
