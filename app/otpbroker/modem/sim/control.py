"""A Unix socket taking one JSON request per line and answering one JSON line each."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], dict[str, Any]]
MAX_REQUEST = 64 * 1024


def answer_line(handler: Handler, raw: bytes) -> bytes:
    """Run one request line through ``handler``; malformed input gets an error answer."""
    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reply: dict[str, Any] = {"ok": False, "error": f"malformed JSON: {exc}"}
    else:
        try:
            reply = handler(request)
        except Exception as exc:
            log.exception("control request %r failed", request)
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n"


class ControlServer:
    """Serves ``handler`` on a Unix stream socket at ``path`` (one thread per client)."""

    def __init__(self, path: str | Path, handler: Handler) -> None:
        """A server for ``path``; call :meth:`start`."""
        self.path = Path(path)
        self.handler = handler
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ControlServer:
        """Bind (replacing a stale socket file) and start accepting."""
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(self.path.lstat().st_mode):
                self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(self.path))
        os.chmod(self.path, 0o600)
        sock.listen(8)
        sock.settimeout(0.2)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, name="modem-sim-control", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close the socket and remove its file."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        buffer = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        conn.sendall(answer_line(self.handler, line))
                if len(buffer) > MAX_REQUEST:
                    conn.sendall(answer_line(self.handler, b"<too long>"))
                    buffer = b""
