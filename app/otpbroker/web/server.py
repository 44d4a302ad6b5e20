"""Serve a WSGI app with cheroot in a background thread, on TCP or on a Unix socket."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from otpbroker.web.lingering import LingeringConnection

log = logging.getLogger(__name__)


class HttpServer:
    """One cheroot listener; ``port=0`` picks a free port (see ``bound_address``).

    With ``tls=(certificate file, key file)`` it serves HTTPS; the files are read once, here.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str,
        port: int,
        threads: int = 16,
        tls: tuple[str, str] | None = None,
    ) -> None:
        self._server = _server((host, port), app, threads)
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self._server.ssl_adapter = BuiltinSSLAdapter(*tls)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve in a daemon thread."""
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, name=self.scheme, daemon=True)
        self._thread.start()
        log.debug("%s served on %s", self.scheme.upper(), self._server.bind_addr)

    def reload_tls(self, certificate: str, key: str) -> None:
        """Present a new certificate to new connections, without closing the listener.

        The files are loaded into a fresh context first (an unusable pair raises and changes
        nothing), then swapped in; connections already open keep theirs."""
        adapter = self._server.ssl_adapter
        if adapter is None:
            raise RuntimeError("this listener serves plain HTTP")
        adapter.context = BuiltinSSLAdapter(certificate, key).context

    @property
    def bound_address(self) -> tuple[str, int]:
        """The address actually bound."""
        address = self._server.bind_addr
        return str(address[0]), int(address[1])

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join(10)


class UnixHttpServer(HttpServer):
    """A cheroot listener on a Unix socket: what the front (haproxy) passes requests to.

    ``scheme``: the public scheme of the requests it gets (TLS ends in the front)."""

    def __init__(self, app: Callable[..., Any], path: str, scheme: str, threads: int = 16) -> None:
        self._server = _server(path, app, threads)
        self.scheme = scheme
        self._thread = None
        self.path = path

    @property
    def bound_address(self) -> tuple[str, int]:
        """Not a TCP address."""
        raise LookupError(f"served on the Unix socket {self.path}")


def _server(address: tuple[str, int] | str, app: Callable[..., Any], threads: int) -> Any:
    """A cheroot WSGI server, not started yet."""
    server = wsgi.Server(
        address,
        app,
        numthreads=threads,
        server_name="otp-broker",
        request_queue_size=socket.SOMAXCONN,  # cheroot's 5 stalls bursts of new clients
    )
    server.keep_alive_conn_limit = 1024  # keep clients' connections open
    server.ConnectionClass = LingeringConnection  # an early answer is not lost to a reset
    return server
