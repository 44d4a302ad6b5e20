"""Run the front (haproxy) as a child process of the broker, and keep it running.

``FrontSupervisor.run(plan, tls)`` writes the configuration (and for HTTPS the certificate
chain and key in one file, owner-only) into the front's private directory, checks it
(``haproxy -c``), and starts a haproxy that inherits the listening sockets (``fd@N``). A
changed plan or certificate starts a new haproxy and soft-stops the old one (SIGUSR1): its
requests in flight finish, and the sockets, owned by the app, never close, so no connection
is refused in between (the kernel queues them). A haproxy that dies is started again after
a back-off; only changes of state are logged. To stop, ``stop_accepting`` soft-stops it
(no new connection), the app finishes its requests in flight, then ``stop`` ends it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from otpbroker.domain.front import FrontPlan, FrontUnavailable
from otpbroker.system.render_haproxy import render

log = logging.getLogger(__name__)

CONFIG_FILE = "haproxy.cfg"
RESTART_FIRST = 1.0  # seconds before a dead haproxy is started again
RESTART_MAX = 30.0  # the back-off (doubling) stops here
PR_SET_PDEATHSIG = 1  # prctl option: the signal the child gets when its parent thread ends
STOP_WAIT = 1.5  # seconds ``stop`` lets haproxy flush what the stopped app answered
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here, never in a forked child


def haproxy_binary() -> str:
    """The haproxy program; FrontUnavailable when it is not installed."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found is None:
        raise FrontUnavailable(
            "haproxy is not installed: the broker serves only through it "
            "(install it: apt-get install haproxy, or scripts/install-deps.sh)"
        )
    return found


@dataclass(frozen=True)
class _Wanted:
    plan: FrontPlan
    config: str
    pem: bytes | None

    @property
    def fds(self) -> tuple[int, ...]:
        return tuple(fd for fd in (self.plan.http_fd, self.plan.https_fd) if fd is not None)


class FrontSupervisor:
    """The haproxy child process serving the app's listening sockets."""

    def __init__(
        self, directory: Path, restart_first: float = RESTART_FIRST, stop_wait: float = STOP_WAIT
    ) -> None:
        """``directory``: private (0700) directory for the configuration and the PEM."""
        self.directory = directory
        self._restart_first = restart_first
        self._stop_wait = stop_wait
        self._lock = threading.Lock()
        self._wanted: _Wanted | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._retiring: list[subprocess.Popen[bytes]] = []  # old ones finishing requests
        self._stopping: list[subprocess.Popen[bytes]] = []  # told to stop by ``stop_accepting``
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self.restarts = 0  # haproxy processes started again after they died

    @property
    def running(self) -> bool:
        """Whether a haproxy is serving now."""
        process = self._process
        return process is not None and process.poll() is None

    @property
    def pid(self) -> int | None:
        """The serving haproxy's process id (None when none runs)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def run(self, plan: FrontPlan, tls: tuple[str, str] | None) -> None:
        """Serve ``plan`` (``tls``: certificate chain and key files for HTTPS); a new haproxy
        replaces the running one when the configuration or the certificate changed.
        FrontUnavailable when haproxy is missing or refuses the configuration."""
        binary = haproxy_binary()
        pem = _read_pem(tls) if plan.https_fd is not None and tls is not None else None
        wanted = _Wanted(plan, render(plan), pem)
        with self._lock:
            if wanted == self._wanted and self.running:
                return
            self._write(wanted)
            self._check(binary, wanted)
            self._wanted = wanted
            self._replace(binary, wanted)
        self._start_thread()

    def _write(self, wanted: _Wanted) -> None:
        if wanted.pem is not None:
            _write_private(Path(wanted.plan.pem), wanted.pem)
        _write_private(self.directory / CONFIG_FILE, wanted.config.encode())

    def _check(self, binary: str, wanted: _Wanted) -> None:
        done = subprocess.run(
            [binary, "-c", "-f", str(self.directory / CONFIG_FILE)],
            pass_fds=wanted.fds, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            alerts = [line for line in done.stderr.splitlines() if "[ALERT]" in line]
            said = "; ".join(alerts) or done.stderr.strip() or f"exit status {done.returncode}"
            raise FrontUnavailable(f"haproxy refuses its configuration: {said}")

    def _replace(self, binary: str, wanted: _Wanted) -> None:
        """Start a haproxy for ``wanted`` and soft-stop the previous one (lock held)."""
        old = self._process
        self._process = subprocess.Popen(
            [binary, "-db", "-q", "-f", str(self.directory / CONFIG_FILE)],
            pass_fds=wanted.fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # calls prctl only: nothing that takes a lock
        )  # fmt: skip
        if old is not None and old.poll() is None:
            old.send_signal(signal.SIGUSR1)  # finish the requests in flight, then exit
            self._retiring.append(old)
        log.debug("haproxy %d serving", self._process.pid)

    def _start_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="front", daemon=True)
                self._thread.start()

    def _watch(self) -> None:
        """Reap retired processes; start haproxy again (backing off) when it dies."""
        delay = 0.0
        while not self._wake.wait(delay or 0.5):
            with self._lock:
                self._retiring = [p for p in self._retiring if p.poll() is None]
                delay = self._revive()

    def _revive(self) -> float:
        """Start a dead haproxy again (lock held); the seconds to wait before looking again."""
        process, wanted = self._process, self._wanted
        if process is None or wanted is None or process.poll() is None:
            if self._failures:
                log.info("front (haproxy) running again")
            self._failures = 0
            return 0.0
        if self._failures == 0:
            log.error("front (haproxy) exited with status %s: starting it again",
                      process.returncode)  # fmt: skip
        self._failures += 1
        try:
            self._replace(haproxy_binary(), wanted)
            self.restarts += 1
        except (OSError, FrontUnavailable) as exc:
            log.debug("front (haproxy) not started again: %s", exc)
        return min(self._restart_first * 2 ** (self._failures - 1), RESTART_MAX)

    def stop_accepting(self) -> None:
        """Soft-stop haproxy: no new connection is taken, requests in flight go on."""
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
        self._wake.clear()
        with self._lock:
            self._stopping += [p for p in (self._process, *self._retiring) if p is not None]
            self._process, self._retiring, self._wanted = None, [], None
        for process in self._stopping:
            if process.poll() is None:
                process.send_signal(signal.SIGUSR1)

    def stop(self) -> None:
        """Soft-stop haproxy, give it ``stop_wait`` seconds to flush its last answers, then
        end it (called once the app behind it has stopped: nothing more can come)."""
        self.stop_accepting()
        stopping, self._stopping = self._stopping, []
        for process in stopping:
            try:
                process.wait(self._stop_wait)
            except subprocess.TimeoutExpired:
                log.debug("front (haproxy) %d still open after %.1f s: ended",
                          process.pid, self._stop_wait)  # fmt: skip
                process.terminate()
                process.wait(5)


def _die_with_parent() -> None:
    """In the child: be stopped when the broker dies, even by SIGKILL (else an orphan
    haproxy would keep the port and answer 502)."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _read_pem(tls: tuple[str, str]) -> bytes:
    """The certificate chain followed by the key, as haproxy's ``crt`` wants them."""
    chain, key = (Path(name).read_bytes() for name in tls)
    return chain.rstrip(b"\n") + b"\n" + key


def _write_private(path: Path, content: bytes) -> None:
    """Write ``content`` owner-only, by atomic rename."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, content)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


__all__ = ["CONFIG_FILE", "FrontSupervisor", "haproxy_binary"]
