"""Network namespaces with veth links, for tests that need real interfaces and packets.

Everything created is removed again by :meth:`Netns.close`, also after a failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

IP = shutil.which("ip") or "/usr/sbin/ip"
NFT = shutil.which("nft") or "/usr/sbin/nft"


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (never through a shell); raise with its stderr when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def require_netns() -> None:
    """Skip unless this process may create namespaces (root with ``ip`` installed)."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if not os.path.exists(IP):
        pytest.fail("iproute2 is not installed (apt-get install iproute2)")


@dataclass
class Link:
    """One veth pair: ``host`` end in the host namespace, ``inside`` end named like the
    device's interface inside the namespace, with one address on each side."""

    host: str
    inside: str
    host_ip: str
    inside_ip: str


@dataclass
class Netns:
    """A network namespace (``name``) and the veth links into it."""

    name: str = field(default_factory=lambda: f"otpbt{secrets.token_hex(4)}")
    links: list[Link] = field(default_factory=list)
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def create(self) -> Netns:
        """Create the namespace with its loopback up."""
        run(IP, "netns", "add", self.name)
        self.exec("ip", "link", "set", "lo", "up")
        return self

    def exec(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the namespace."""
        return run(IP, "netns", "exec", self.name, *argv, check=check)

    def add_link(self, inside: str, subnet: int) -> Link:
        """A veth pair; the inner end is renamed ``inside`` and the pair gets
        ``10.<subnet>.0.1/24`` (host) and ``10.<subnet>.0.2/24`` (inside)."""
        host = f"h{secrets.token_hex(3)}{len(self.links)}"
        temp = f"t{secrets.token_hex(3)}{len(self.links)}"
        run(IP, "link", "add", host, "type", "veth", "peer", "name", temp)
        link = Link(host, inside, f"10.{subnet}.0.1", f"10.{subnet}.0.2")
        self.links.append(link)
        run(IP, "link", "set", temp, "netns", self.name)
        self.exec("ip", "link", "set", temp, "name", inside)
        run(IP, "addr", "add", f"{link.host_ip}/24", "dev", host)
        self.exec("ip", "addr", "add", f"{link.inside_ip}/24", "dev", inside)
        run(IP, "link", "set", host, "up")
        self.exec("ip", "link", "set", inside, "up")
        return link

    def load_nft(self, ruleset: str, directory: Path) -> None:
        """Load an nftables script inside the namespace with ``nft -f``."""
        path = directory / f"{self.name}.nft"
        path.write_text(ruleset)
        self.exec(NFT, "-f", str(path))

    def start_python(self, script: Path, args: Sequence[str]) -> subprocess.Popen[str]:
        """Start ``python SCRIPT ARGS`` inside the namespace; waits for its first line."""
        proc = subprocess.Popen(
            [IP, "netns", "exec", self.name, sys.executable, str(script), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.processes.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.kill()
            raise RuntimeError(f"helper did not start: {line!r} {proc.stderr.read()}")
        return proc

    def close(self) -> None:
        """Stop the processes, delete the namespace (its veth ends go with it) and the
        host ends if any survived."""
        for proc in self.processes:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        run(IP, "netns", "del", self.name, check=False)
        for link in self.links:
            run(IP, "link", "del", link.host, check=False)
