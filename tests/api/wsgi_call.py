"""One request to a WSGI app in this process, from any client address (``REMOTE_ADDR``)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any
from wsgiref.util import setup_testing_defaults


def wsgi_call(
    app: Any,
    path: str,
    body: Any = None,
    *,
    remote_addr: str = "127.0.0.1",
    auth: tuple[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, Any, dict[str, str]]:
    """(status, decoded JSON or text, headers) of one request to ``app``."""
    raw = b"" if body is None else json.dumps(body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "REMOTE_ADDR": remote_addr,
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }  # fmt: skip
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
    setup_testing_defaults(environ)
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    text = b"".join(app(environ, start_response)).decode()
    try:
        payload: Any = json.loads(text)
    except json.JSONDecodeError:
        payload = text
    return started["status"], payload, started["headers"]
