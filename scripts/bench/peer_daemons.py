"""The daemons bench_peers.py compares, each started on a stub modem in a temporary directory.

Each runner is a context manager: entering creates its spool/configuration in a fresh
temporary directory, starts the daemon in a session of its own and waits for nothing (the
benchmark's warm-up message shows it ready); leaving stops the whole session (SIGTERM, then
SIGKILL) and removes the directory. ``stage(i)`` prepares message ``i`` out of the daemon's
sight; ``release(i)`` makes it visible (the peers: a rename into the spool; OTP Broker: the
REST request) and returns the ``time.monotonic()`` just before.

The peers run as ``nobody`` when the benchmark runs as root (they never need privileges
here); OTP Broker's ``serve`` runs as the benchmark's user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_api import PASSWORD, RATE_LIMIT_KEYS, UNPACED, USER, ApiClient, free_port, text_for

from otpbroker.config.store import ConfigStore

RECIPIENT = "628126666666"
BIN = Path(sys.executable).with_name("otp-broker")


def unprivileged() -> tuple[int, int]:
    """The (uid, gid) the peers run as: ``nobody`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def session_cpu(leader: int) -> float:
    """CPU seconds (user + system) of every live process in ``leader``'s session, plus the
    children they already reaped."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == leader:  # field 6 of stat: the session id
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


class Daemon:
    """A daemon in a temporary directory; subclasses write its files and command."""

    name = ""
    settings = ""

    def __init__(self, stub_path: str) -> None:
        self.stub_path = stub_path
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
        self.uid, self.gid = unprivileged()
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write the spool and configuration under ``self.tmp``."""

    def __enter__(self) -> Daemon:
        try:
            self.prepare()
            self.own(self.tmp)
            self.proc = subprocess.Popen(
                self.command(), user=self.uid, group=self.gid, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.tmp,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc is not None:
                stop_session(self.proc)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def own(self, path: Path) -> None:
        """Hand ``path`` (and what is under it) to the daemon's user."""
        if (self.uid, self.gid) == (os.getuid(), os.getgid()):
            return
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, self.uid, self.gid)

    def cpu(self) -> float:
        """CPU seconds the daemon used so far."""
        assert self.proc is not None
        return session_cpu(self.proc.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def stop_session(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process's whole session, SIGKILL it after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            time.sleep(0.2)  # forked children get the signal too
            os.killpg(proc.pid, 0)  # still someone in the group: next signal
        except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
            if proc.poll() is not None:
                break


class SpoolDaemon(Daemon):
    """A peer reading one file per message from a spool directory."""

    def stage(self, index: int) -> None:
        path = self.tmp / "stage" / f"m{index}"
        path.write_text(self.file_text(index))
        self.own(path)

    def release(self, index: int) -> float:
        target = self.spool_name(index)
        now = time.monotonic()
        os.rename(self.tmp / "stage" / f"m{index}", target)
        return now

    def file_text(self, index: int) -> str:
        raise NotImplementedError

    def spool_name(self, index: int) -> Path:
        raise NotImplementedError


class Smstools(SpoolDaemon):
    """smstools3's smsd: a main process moves spool files to the modem's process."""

    name = "smstools3"

    def __init__(self, stub_path: str, delay: int) -> None:
        super().__init__(stub_path)
        self.delay = delay
        self.settings = (f"delaytime {delay}, delaytime_mainprocess {delay}, trust_outgoing "
                         "yes, incoming no, check_network 0")  # fmt: skip
        if delay == 0:
            self.name = "smstools3 busy-polling"

    def prepare(self) -> None:
        for sub in ("stage", "outgoing", "checked", "failed", "sent", "incoming"):
            (self.tmp / sub).mkdir()
        conf = f"""devices = STUB
outgoing = {self.tmp}/outgoing
checked = {self.tmp}/checked
failed = {self.tmp}/failed
sent = {self.tmp}/sent
incoming = {self.tmp}/incoming
logfile = {self.tmp}/smsd.log
loglevel = 4
delaytime = {self.delay}
delaytime_mainprocess = {self.delay}
trust_outgoing = yes

[STUB]
device = {self.stub_path}
incoming = no
check_network = 0
baudrate = 115200
"""
        (self.tmp / "smsd.conf").write_text(conf)

    def command(self) -> list[str]:
        tmp = self.tmp
        return ["smsd", "-t", f"-c{tmp}/smsd.conf", f"-p{tmp}/smsd.pid", f"-i{tmp}/smsd.info"]

    def file_text(self, index: int) -> str:
        return f"To: {RECIPIENT}\n\n{text_for(f'peer{index}')}\n"

    def spool_name(self, index: int) -> Path:
        return self.tmp / "outgoing" / f"m{index}"


class GammuSmsd(SpoolDaemon):
    """gammu-smsd with its files backend."""

    name = "gammu-smsd"

    def __init__(self, stub_path: str, loop_sleep: int) -> None:
        super().__init__(stub_path)
        self.loop_sleep = loop_sleep
        self.settings = (f"LoopSleep {loop_sleep}, CommTimeout 0, StatusFrequency 0, "
                         "CheckSecurity/Battery/Signal/Network 0")  # fmt: skip
        if loop_sleep == 0:
            self.name = "gammu-smsd busy loop"

    def prepare(self) -> None:
        for sub in ("stage", "outbox", "sent", "error", "inbox"):
            (self.tmp / sub).mkdir()
        conf = f"""[gammu]
device = {self.stub_path}
connection = at115200

[smsd]
service = files
logfile = {self.tmp}/gammu-smsd.log
inboxpath = {self.tmp}/inbox/
outboxpath = {self.tmp}/outbox/
sentsmspath = {self.tmp}/sent/
errorsmspath = {self.tmp}/error/
OutboxFormat = standard
LoopSleep = {self.loop_sleep}
CommTimeout = 0
StatusFrequency = 0
CheckSecurity = 0
CheckBattery = 0
CheckSignal = 0
CheckNetwork = 0
"""
        (self.tmp / "smsdrc").write_text(conf)

    def command(self) -> list[str]:
        return ["gammu-smsd", "-c", f"{self.tmp}/smsdrc", "-p", f"{self.tmp}/gammu-smsd.pid"]

    def file_text(self, index: int) -> str:
        return text_for(f"peer{index}")

    def spool_name(self, index: int) -> Path:
        return self.tmp / "outbox" / f"OUTC20260101_000000_00_+{RECIPIENT}_m{index}.txt"


class OtpBroker(Daemon):
    """``otp-broker serve`` on the stub; a message is one REST send-sms request."""

    name = "OTP Broker"
    settings = "defaults; SIM pacing and rate limits off; REST keep-alive, login cached"

    def __init__(self, stub_path: str) -> None:
        super().__init__(stub_path)
        self.uid, self.gid = os.getuid(), os.getgid()
        self.port = free_port()
        self.clients: list[ApiClient] = []

    def prepare(self) -> None:
        with ConfigStore(self.tmp / "data") as store:
            user = store.add("api_users", {"username": USER})
            store.set_password("api_users", user["id"], PASSWORD)
            store.update_settings({key: 0 for key in RATE_LIMIT_KEYS})
            store.add("modems", {"name": "stub", "port": self.stub_path, **UNPACED})

    def command(self) -> list[str]:
        command = [str(BIN), "--data-dir", str(self.tmp / "data"), "--log-level", "WARNING"]
        return [*command, "serve", "--host", "127.0.0.1", "--http-port", str(self.port)]

    def connect(self, count: int) -> None:
        """Open ``count`` keep-alive connections (before any clock starts)."""
        self.close()
        self.clients = [ApiClient("127.0.0.1", self.port) for _ in range(count)]
        for client in self.clients:
            client.connect()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.clients = []

    def __exit__(self, *exc: object) -> None:
        self.close()
        super().__exit__(*exc)

    def stage(self, index: int) -> None:
        """Nothing to prepare: the request carries the message."""

    def release(self, index: int, client: int = 0) -> float:
        """Send message ``index`` on connection ``client``; True stamp before the request.

        Raises ConnectionError while the modem is not ready (code 1101)."""
        now = time.monotonic()
        _, _, status, body = self.clients[client].send_sms(f"m{index}", text_for(f"peer{index}"))
        if status != 200 or body.get("response_code") != "0000":
            raise ConnectionError(f"HTTP {status} {body.get('response_code')}")
        return now
