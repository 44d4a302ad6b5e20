"""The HTTP and HTTPS listeners, kept in step with the API setting.

``Listeners.apply(plan)`` makes the running cheroot servers match a ``ListenerPlan``: HTTP and
HTTPS are independent, a changed port moves that listener, and a replaced certificate is
swapped into the running HTTPS listener (new connections get it, the port stays open). A port
that cannot be bound is logged and reported (``statuses()``) and never raises; the background
thread tries it again by itself (after ``RETRY_FIRST`` seconds, then backing off to
``RETRY_MAX``) until it binds or the plan changes. Changes requested while the broker runs
(``request``) are made by that thread too, so a listener is never stopped from one of its
own request threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otpbroker.web.server import HttpServer

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")
RETRY_FIRST = 5.0  # seconds before a failed listener is tried again
RETRY_MAX = 30.0  # the back-off (doubling) stops here


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
    retry_in: float | None = None  # seconds until the next attempt after an error

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

    def __init__(
        self,
        app: Callable[..., Any],
        tls_files: Callable[[], TlsFiles],
        retry_first: float = RETRY_FIRST,
        retry_max: float = RETRY_MAX,
    ) -> None:
        self._app = app
        self._tls_files = tls_files
        self._retry_first = retry_first
        self._retry_max = max(retry_max, retry_first)
        self._failures: dict[str, tuple[object, int]] = {}  # scheme -> (wanted, failures)
        self._retry_at: dict[str, float] = {}  # scheme -> time.monotonic() of the next try
        self._lock = threading.Lock()
        self._servers: dict[str, HttpServer] = {}
        self._running: dict[str, tuple[str, int, object]] = {}  # scheme -> (host, port, stamp)
        self._status: dict[str, ListenerStatus] = {s: ListenerStatus(s, "off") for s in SCHEMES}
        self._wanted: ListenerPlan | None = None
        self._pending = False  # a plan was requested and not applied yet
        self._request_lock = threading.Lock()  # guards _wanted/_pending between threads
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    # -- synchronous ------------------------------------------------------------------------
    def apply(self, plan: ListenerPlan) -> list[ListenerStatus]:
        """Make the listeners match ``plan`` now; returns the statuses."""
        with self._request_lock:
            self._wanted = plan
        return self._apply(plan)

    def _apply(self, plan: ListenerPlan) -> list[ListenerStatus]:
        with self._lock:
            if self._closed.is_set():
                return list(self._status.values())
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
                self._stop(scheme)
                self._failed(scheme, plan, port, (plan.host, port), f"no usable certificate: {exc}")
                return
        wanted = None if port is None else (plan.host, port, tls.stamp if tls else None)
        running = self._running.get(scheme)
        if wanted == running and (wanted is None or scheme in self._servers):
            self._retry_at.pop(scheme, None)
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
        if port is None or wanted is None:  # (wanted is None exactly when port is)
            self._forget_failures(scheme)
            self._status[scheme] = ListenerStatus(scheme, "off")
            return
        self._running[scheme] = wanted
        try:
            server = HttpServer(
                self._app, plan.host, port, tls=(tls.certificate, tls.key) if tls else None
            )
            server.start()
        except Exception as exc:  # e.g. port in use, no permission, bad certificate
            self._failed(scheme, plan, port, wanted, str(exc))
            return
        if scheme in self._failures:
            log.info("%s listening on %s:%s after all", scheme.upper(), plan.host, port)
        self._forget_failures(scheme)
        self._servers[scheme] = server
        self._status[scheme] = ListenerStatus(
            scheme, "listening", plan.host, port, server.bound_address[1]
        )

    def _failed(
        self, scheme: str, plan: ListenerPlan, port: int, wanted: object, error: str
    ) -> None:
        """Report a listener that could not start and schedule the next attempt."""
        previous, count = self._failures.get(scheme, (None, 0))
        count = count + 1 if previous == wanted else 1
        self._failures[scheme] = (wanted, count)
        delay = min(self._retry_first * 2 ** (count - 1), self._retry_max)
        self._retry_at[scheme] = time.monotonic() + delay
        level = logging.ERROR if count == 1 else logging.DEBUG
        log.log(level, "%s not listening on %s:%s: %s (trying again in %.0f s)",
                scheme.upper(), plan.host, port, error, delay)  # fmt: skip
        self._status[scheme] = ListenerStatus(
            scheme, "error", plan.host, port, error=error, retry_in=delay
        )
        self._start_thread()
        self._wake.set()  # the thread recomputes when to wake up

    def _forget_failures(self, scheme: str) -> None:
        self._failures.pop(scheme, None)
        self._retry_at.pop(scheme, None)

    def _retry_due(self) -> None:
        """Try again every failed listener whose time has come (same plan)."""
        with self._lock:
            plan = self._wanted
            if self._closed.is_set() or plan is None:
                return
            now = time.monotonic()
            for scheme in SCHEMES:
                due = self._retry_at.get(scheme)
                if due is not None and due <= now:
                    self._retry_at.pop(scheme)
                    self._reconcile(scheme, plan)

    def _next_wait(self) -> float | None:
        """Seconds until the earliest retry (None: nothing to retry)."""
        with self._lock:
            due = min(self._retry_at.values(), default=None)
        return None if due is None else max(0.0, due - time.monotonic())

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
        with self._request_lock:
            self._wanted = plan
            self._pending = True
        self._start_thread()
        self._wake.set()

    def _start_thread(self) -> None:
        with self._request_lock:
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._run, name="listeners", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._next_wait())
            self._wake.clear()
            if self._closed.is_set():
                return
            with self._request_lock:
                plan, pending = self._wanted, self._pending
                self._pending = False
            try:
                if pending and plan is not None:
                    self._apply(plan)
                else:
                    self._retry_due()
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
