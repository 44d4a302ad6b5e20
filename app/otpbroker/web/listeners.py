"""The HTTP and HTTPS listeners, kept in step with the API setting.

``Listeners.apply(plan)`` makes the running cheroot servers match a ``ListenerPlan``: HTTP and
HTTPS are independent, a changed port moves that listener, and a replaced certificate is
swapped into the running HTTPS listener (new connections get it, the port stays open). A port
that cannot be bound is logged and reported (``statuses()``) and never raises. Changes
requested while the broker runs (``request``) are made by a background thread,
so a listener is never stopped from one of its own request threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otpbroker.web.server import HttpServer

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")


@dataclass(frozen=True)
class TlsFiles:
    """Certificate (chain) file, key file, and a stamp that changes when they are replaced."""

    certificate: str
    key: str
    stamp: object


@dataclass(frozen=True)
class ListenerPlan:
    """What should listen: a port per scheme, or None when that scheme is off."""

    host: str
    http_port: int | None
    https_port: int | None

    def port(self, scheme: str) -> int | None:
        """The wanted port of ``scheme`` (None: off)."""
        return self.http_port if scheme == "http" else self.https_port


@dataclass(frozen=True)
class ListenerStatus:
    """One scheme's listener as the admin shows it."""

    scheme: str
    state: str  # "listening", "error" or "off"
    host: str = ""
    port: int | None = None  # the port asked for (0: any free port)
    bound_port: int | None = None
    error: str = ""

    @property
    def url(self) -> str:
        """``scheme://host:port`` of a running listener ("" otherwise)."""
        if self.bound_port is None:
            return ""
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.bound_port}"


class Listeners:
    """Owns the cheroot servers of the broker (one per enabled scheme)."""

    def __init__(self, app: Callable[..., Any], tls_files: Callable[[], TlsFiles]) -> None:
        self._app = app
        self._tls_files = tls_files
        self._lock = threading.Lock()
        self._servers: dict[str, HttpServer] = {}
        self._running: dict[str, tuple[str, int, object]] = {}  # scheme -> (host, port, stamp)
        self._status: dict[str, ListenerStatus] = {s: ListenerStatus(s, "off") for s in SCHEMES}
        self._wanted: ListenerPlan | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    # -- synchronous ------------------------------------------------------------------------
    def apply(self, plan: ListenerPlan) -> list[ListenerStatus]:
        """Make the listeners match ``plan`` now; returns the statuses."""
        with self._lock:
            if self._closed.is_set():
                return list(self._status.values())
            self._wanted = plan
            for scheme in SCHEMES:
                self._reconcile(scheme, plan)
            return [self._status[s] for s in SCHEMES]

    def _reconcile(self, scheme: str, plan: ListenerPlan) -> None:
        port = plan.port(scheme)
        tls: TlsFiles | None = None
        if port is not None and scheme == "https":
            try:
                tls = self._tls_files()
            except Exception as exc:  # no certificate: report, keep the rest running
                log.error("HTTPS disabled: no usable certificate (%s)", exc)
                self._stop(scheme)
                self._status[scheme] = ListenerStatus(
                    scheme, "error", plan.host, port, error=f"no usable certificate: {exc}"
                )
                return
        wanted = None if port is None else (plan.host, port, tls.stamp if tls else None)
        running = self._running.get(scheme)
        if wanted == running and (wanted is None or scheme in self._servers):
            return
        server = self._servers.get(scheme)
        if tls and server and running and wanted and running[:2] == wanted[:2]:
            try:  # only the certificate changed: swap it in, the port stays open
                server.reload_tls(tls.certificate, tls.key)
                self._running[scheme] = wanted
                log.info("HTTPS presents the new certificate")
                return
            except Exception as exc:
                log.error("HTTPS certificate reload failed (%s): restarting the listener", exc)
        self._stop(scheme)
        if port is None:
            self._status[scheme] = ListenerStatus(scheme, "off")
            return
        self._running[scheme] = wanted  # type: ignore[assignment]  # port is not None here
        try:
            server = HttpServer(
                self._app, plan.host, port, tls=(tls.certificate, tls.key) if tls else None
            )
            server.start()
        except Exception as exc:  # e.g. port in use, no permission, bad certificate
            log.error("%s listener on %s:%s failed: %s", scheme.upper(), plan.host, port, exc)
            self._status[scheme] = ListenerStatus(scheme, "error", plan.host, port, error=str(exc))
            return
        self._servers[scheme] = server
        self._status[scheme] = ListenerStatus(
            scheme, "listening", plan.host, port, server.bound_address[1]
        )

    def _stop(self, scheme: str) -> None:
        self._running.pop(scheme, None)
        server = self._servers.pop(scheme, None)
        if server is not None:
            server.stop()
            log.info("%s listener stopped", scheme.upper())

    # -- asynchronous -----------------------------------------------------------------------
    def request(self, plan: ListenerPlan) -> None:
        """Apply ``plan`` soon, from the listeners' own thread (safe inside a request)."""
        if self._closed.is_set():
            return
        self._wanted = plan
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="listeners", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closed.is_set():
                return
            plan = self._wanted
            if plan is not None:
                try:
                    self.apply(plan)
                except Exception:
                    log.exception("listener reconciliation failed")

    def certificate_changed(self) -> None:
        """The certificate files were replaced: present them to new HTTPS connections."""
        if self._wanted is not None:
            self.request(self._wanted)

    # -- queries ----------------------------------------------------------------------------
    def statuses(self) -> list[ListenerStatus]:
        """HTTP and HTTPS, in that order."""
        return [self._status[s] for s in SCHEMES]

    @property
    def bound_address(self) -> tuple[str, int]:
        """Host and port of the first running listener (HTTP first)."""
        for status in self.statuses():
            if status.bound_port is not None:
                return status.host, status.bound_port
        raise LookupError("no listener is running")

    def close(self) -> None:
        """Stop every listener and the background thread."""
        self._closed.set()
        self._wake.set()
        with self._lock:
            for scheme in SCHEMES:
                self._stop(scheme)
                self._status[scheme] = ListenerStatus(scheme, "off")
        if self._thread is not None:
            self._thread.join(15)
