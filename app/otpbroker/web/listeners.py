"""The HTTP and HTTPS listeners, kept in step with the API setting, served through the front.

The app binds the public ports itself (so ``0`` picks a free port and a bind error is
reported here) and hands the listening sockets to the front, haproxy (``FrontSupervisor``),
which reads whole requests without tying a thread to a client, terminates TLS and passes
complete requests to cheroot on a Unix socket per scheme, in a private directory.

``Listeners.apply(plan)`` makes the sockets and the front match a ``ListenerPlan``: HTTP and
HTTPS are independent, a changed port moves that listener, and a replaced certificate or
changed limits start a new haproxy while the old one finishes its requests (the sockets stay
open throughout). A port that cannot be bound is logged and reported (``statuses()``) and
never raises; the background thread tries it again by itself (after ``RETRY_FIRST`` seconds,
then backing off to ``RETRY_MAX``) until it binds or the plan changes. Changes requested
while the broker runs (``request``) are made by that thread too, so a listener is never
stopped from one of its own request threads.
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from otpbroker.domain.front import FrontPlan, FrontUnavailable
from otpbroker.domain.ports import FrontProcess
from otpbroker.web.forwarded import FromFront
from otpbroker.web.listener_plan import ListenerPlan, ListenerStatus, TlsFiles
from otpbroker.web.server import UnixHttpServer

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")
RETRY_FIRST = 5.0  # seconds before a failed listener is tried again
RETRY_MAX = 30.0  # the back-off (doubling) stops here
APP_THREADS = 20  # cheroot threads per scheme
API_SLOTS = 12  # requests the front passes at once per scheme; more wait in its queue
UPLOAD_SLOTS = 2  # requests with a large body (their body read by the app, maybe slowly)
STREAM_SLOTS = 5  # monitor streams per scheme (the app refuses a 5th itself): never every thread


class Listeners:
    """Owns the listening sockets, the front serving them and cheroot behind it."""

    def __init__(
        self,
        app: Callable[..., Any],
        tls_files: Callable[[], TlsFiles],
        front: Callable[[Path], FrontProcess],
        directory: Callable[[], Path],
        retry_first: float = RETRY_FIRST,
        retry_max: float = RETRY_MAX,
    ) -> None:
        """``front``: makes the front given its private directory; ``directory``: makes
        that directory (0700, short path: it holds the Unix sockets)."""
        self._app = app
        self._new_directory = directory
        self._tls_files = tls_files
        self._new_front = front
        self._retry_first = retry_first
        self._retry_max = max(retry_max, retry_first)
        self._failures: dict[str, tuple[object, int]] = {}  # scheme -> (wanted, failures)
        self._retry_at: dict[str, float] = {}  # scheme -> time.monotonic() of the next try
        self._lock = threading.Lock()
        self._sockets: dict[str, socket.socket] = {}
        self._addresses: dict[str, tuple[str, int]] = {}  # scheme -> wanted (host, port)
        self._tls: TlsFiles | None = None
        self._servers: dict[str, UnixHttpServer] = {}
        self._directory: Path | None = None
        self._front: FrontProcess | None = None
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
            replaced: list[socket.socket] = []
            for scheme in SCHEMES:
                self._reconcile(scheme, plan, replaced)
            self._serve(plan)
            for old in replaced:  # the new front serves the new sockets by now
                old.close()
            return [self._status[s] for s in SCHEMES]

    def _reconcile(self, scheme: str, plan: ListenerPlan, replaced: list[socket.socket]) -> None:
        """Bind, move or close the socket of ``scheme`` (lock held)."""
        port = plan.port(scheme)
        if port is not None and scheme == "https":
            try:
                self._tls = self._tls_files()
            except Exception as exc:  # no certificate: report, keep the rest running
                self._drop(scheme, replaced)
                self._failed(scheme, plan, port, (plan.host, port), f"no usable certificate: {exc}")
                return
        wanted = None if port is None else (plan.host, port)
        if wanted == self._addresses.get(scheme) and (wanted is None or scheme in self._sockets):
            self._retry_at.pop(scheme, None)
            return
        self._drop(scheme, replaced)
        if port is None or wanted is None:  # (wanted is None exactly when port is)
            self._forget_failures(scheme)
            self._status[scheme] = ListenerStatus(scheme, "off")
            return
        self._addresses[scheme] = wanted
        try:
            listening = _bind(plan.host, port)
        except OSError as exc:  # e.g. port in use, no permission
            self._failed(scheme, plan, port, wanted, str(exc))
            return
        if scheme in self._failures:
            log.info("%s listening on %s:%s after all", scheme.upper(), plan.host, port)
        self._forget_failures(scheme)
        self._sockets[scheme] = listening
        bound = listening.getsockname()[1]
        log.info("%s listening on %s:%d", scheme.upper(), plan.host, bound)
        self._status[scheme] = ListenerStatus(scheme, "listening", plan.host, port, bound)

    def _drop(self, scheme: str, replaced: list[socket.socket]) -> None:
        """Forget the socket of ``scheme``; it is closed once the front has let it go."""
        self._addresses.pop(scheme, None)
        old = self._sockets.pop(scheme, None)
        if old is not None:
            replaced.append(old)
            log.info("%s listener stopped", scheme.upper())

    def _serve(self, plan: ListenerPlan) -> None:
        """Run the front (and cheroot behind it) for the bound sockets (lock held)."""
        if not self._sockets:
            if self._front is not None:
                self._front.stop()
            return
        directory = self._private_directory()
        for scheme in self._sockets:
            self._app_server(scheme, directory)
        http, https = self._sockets.get("http"), self._sockets.get("https")
        front_plan = FrontPlan(
            http_fd=http.fileno() if http else None,
            https_fd=https.fileno() if https else None,
            pem=str(directory / "front.pem"),
            http_socket=str(directory / "http.sock"),
            https_socket=str(directory / "https.sock"),
            limits=plan.limits,
            api_slots=API_SLOTS,
            stream_slots=STREAM_SLOTS,
            upload_slots=UPLOAD_SLOTS,
        )
        tls = (self._tls.certificate, self._tls.key) if https and self._tls else None
        if self._front is None:
            self._front = self._new_front(directory)
        try:
            self._front.run(front_plan, tls)
        except (OSError, ValueError, FrontUnavailable) as exc:
            log.error("front (haproxy) not started: %s", exc)
            for scheme in self._sockets:
                self._status[scheme] = ListenerStatus(
                    scheme, "error", plan.host, plan.port(scheme), error=str(exc)
                )

    def _private_directory(self) -> Path:
        if self._directory is None:
            self._directory = self._new_directory()
        return self._directory

    def _app_server(self, scheme: str, directory: Path) -> None:
        """Start cheroot on the Unix socket of ``scheme`` unless it runs."""
        if scheme not in self._servers:
            path = str(directory / f"{scheme}.sock")
            server = UnixHttpServer(FromFront(self._app, scheme), path, scheme, APP_THREADS)
            server.start()
            self._servers[scheme] = server

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
            due = [s for s in SCHEMES if self._retry_at.get(s, now + 1) <= now]
            if not due:
                return
            replaced: list[socket.socket] = []
            for scheme in due:
                self._retry_at.pop(scheme)
                self._reconcile(scheme, plan, replaced)
            self._serve(plan)
            for old in replaced:
                old.close()

    def _next_wait(self) -> float | None:
        """Seconds until the earliest retry (None: nothing to retry)."""
        with self._lock:
            due = min(self._retry_at.values(), default=None)
        return None if due is None else max(0.0, due - time.monotonic())

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
        """Stop the front (requests in flight finish), cheroot, the sockets and the
        background thread."""
        self._closed.set()
        self._wake.set()
        with self._lock:
            if self._front is not None:
                self._front.stop_accepting()
            for server in self._servers.values():
                server.stop()  # requests in flight finish (bounded), event streams end
            if self._front is not None:
                self._front.stop()
            for listening in self._sockets.values():
                listening.close()
            self._servers.clear()
            self._sockets.clear()
            self._addresses.clear()
            self._status = {s: ListenerStatus(s, "off") for s in SCHEMES}
            if self._directory is not None:
                shutil.rmtree(self._directory, ignore_errors=True)
        if self._thread is not None:
            self._thread.join(15)


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port); OSError when it cannot."""
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listening = socket.socket(family, kind, protocol)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host in ("::", ""):
            listening.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too
        listening.bind(address)
        listening.listen(socket.SOMAXCONN)
    except OSError:
        listening.close()
        raise
    return listening
