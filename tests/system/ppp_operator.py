"""A real PPP link for tests: a ``pppd`` playing the operator in one network namespace,
reached through an emulated modem's data call, and the device's ``pppd`` in another.

Each side's ``/etc/ppp`` is a directory of its own, ``/etc/netns/<namespace>/ppp``, which
``ip netns exec`` mounts over ``/etc/ppp`` for that side only: the operator's PAP/CHAP
secrets live there, and the device's pppd writes its ``resolv.conf`` (``usepeerdns``)
there; the host's ``/etc/ppp`` and ``/etc/resolv.conf`` are never read or written, and no
ip-up script of the host runs. Everything is removed again by ``close()``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from netns_tools import IP, Netns

from otpbroker.modem.sim.data_link import PtyPeer

PPPD = shutil.which("pppd") or "/usr/sbin/pppd"
OPERATOR_IP = "10.64.64.1"
DEVICE_IP = "10.64.64.2"
DNS_IP = "10.64.64.53"
SERVER_IP = "203.0.113.10"
"""An address of the operator's that the device reaches only through its default route."""
SERVER_PORT = 8080
SERVER_BODY = "operator side"

HTTP_SERVER = f'''\
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"{SERVER_BODY}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("0.0.0.0", {SERVER_PORT}), Handler)
print("ready", flush=True)
server.serve_forever()
'''


def etc_dir(netns: Netns) -> Path:
    """The directory ``ip netns exec`` mounts over ``/etc/ppp`` in ``netns``."""
    return Path("/etc/netns") / netns.name / "ppp"


def wait_for(what: str, check: Callable[[], object], seconds: float) -> object:
    """Poll ``check`` until it gives a true value (returned); fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


class Operator:
    """The operator: a namespace with an HTTP server on :data:`SERVER_IP` and, for each data
    call, a fresh ``pppd`` that hands out :data:`DEVICE_IP` and :data:`DNS_IP` after checking
    the caller's ``user``/``password`` with ``auth`` (``pap`` or ``chap``)."""

    def __init__(self, tmp: Path, user: str, password: str, auth: str = "pap") -> None:
        """Create the namespace, its secrets and its HTTP server."""
        self.tmp = tmp
        self.auth = auth
        self.netns = Netns(name=f"otpbop{os.urandom(3).hex()}")
        self.peers: list[PtyPeer] = []
        self.netns.create()
        try:
            etc = etc_dir(self.netns)
            etc.mkdir(parents=True)
            line = f'"{user}" * "{password}" *\n'
            for name in ("pap-secrets", "chap-secrets"):
                (etc / name).write_text(line)
                (etc / name).chmod(0o600)
            self.netns.exec("ip", "addr", "add", f"{SERVER_IP}/32", "dev", "lo")
            script = tmp / "operator_http.py"
            script.write_text(HTTP_SERVER)
            self.netns.start_python(script, [])
        except BaseException:
            self.close()
            raise

    def command(self, tty: str) -> list[str]:
        """The operator's pppd on ``tty`` (the emulator's relay pty)."""
        return [
            IP, "netns", "exec", self.netns.name, PPPD, tty, "115200", "nodetach", "local",
            f"require-{self.auth}", f"{OPERATOR_IP}:{DEVICE_IP}", "ms-dns",
            DNS_IP, "nodefaultroute", "ifname", "opppp0", "noccp",
            "logfile", str(self.tmp / "operator-pppd.log"),
        ]  # fmt: skip

    def network(self, deliver: Callable[[bytes], None], ended: Callable[[], None]) -> PtyPeer:
        """The emulator's :data:`~otpbroker.modem.sim.data_link.Network`: a new pppd."""
        peer = PtyPeer(self.command, deliver, ended)
        self.peers.append(peer)
        return peer

    def kill_current(self) -> None:
        """The operator side dies (SIGKILL: no goodbye to the device)."""
        os.kill(self.peers[-1].process.pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop every pppd and the server, delete the namespace and its ``/etc`` part."""
        for peer in self.peers:
            peer.close()
        self.netns.close()
        shutil.rmtree(etc_dir(self.netns).parent, ignore_errors=True)


class Device:
    """The device: a namespace where the real ``pppd`` runs with the product's files."""

    def __init__(self, tmp: Path) -> None:
        """Create the namespace and its own ``/etc/ppp``."""
        self.tmp = tmp
        self.netns = Netns(name=f"otpbdv{os.urandom(3).hex()}")
        self.pppd: subprocess.Popen[str] | None = None
        self.log = tmp / "device-pppd.log"
        self.netns.create()
        etc_dir(self.netns).mkdir(parents=True)

    @property
    def resolv_conf(self) -> Path:
        """Where ``usepeerdns`` writes the operator's DNS servers for this side."""
        return etc_dir(self.netns) / "resolv.conf"

    def start(self, peers_file: Path | str, *extra: str) -> subprocess.Popen[str]:
        """``pppd file PEERS nodetach`` (+ ``extra``), logging to :attr:`log`."""
        argv = [IP, "netns", "exec", self.netns.name, PPPD, "file", str(peers_file),
                "nodetach", "logfile", str(self.log), *extra]  # fmt: skip
        self.pppd = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        return self.pppd

    def log_text(self) -> str:
        """What the device's pppd logged so far."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """End pppd (SIGTERM, then SIGKILL)."""
        proc = self.pppd
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()

    def close(self) -> None:
        """Stop pppd, delete the namespace and its ``/etc`` part."""
        with contextlib.suppress(Exception):
            self.stop()
        self.netns.close()
        shutil.rmtree(etc_dir(self.netns).parent, ignore_errors=True)
