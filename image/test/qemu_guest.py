"""Boot the built image under qemu-system-aarch64 -M virt (TCG) and talk to it.

Test-only: the image is booted with its own kernel and initrd (copied out of its FAT partition),
a second small disk carries the test agent (guest/agent.py), and the kernel command line starts
that agent. Nothing here is part of the image.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTOR = 512


@dataclass
class Ports:
    """Host loopback ports forwarded to the guest's Ethernet."""

    api: int
    extra: int
    ssh: int


def free_port() -> int:
    """An unused loopback TCP port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    """Run a host tool; fail with its output."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def boot_partition_offset(disk: Path) -> int:
    """Byte offset of the first (FAT) partition, from the MBR."""
    dump = json.loads(run(["sfdisk", "--json", str(disk)]).stdout)
    return dump["partitiontable"]["partitions"][0]["start"] * SECTOR


def extract_kernel(disk: Path, into: Path) -> tuple[Path, Path]:
    """Copy the image's own kernel and initrd out of its boot partition (mtools, no mount)."""
    target = f"{disk}@@{boot_partition_offset(disk)}"
    names = run(["mdir", "-b", "-i", target, "::/"]).stdout.split()
    kernels = sorted(n for n in names if n.lower().startswith("::/vmlinuz-"))
    initrds = sorted(n for n in names if n.lower().startswith("::/initrd.img-"))
    if not kernels or not initrds:
        raise RuntimeError(f"no vmlinuz-*/initrd.img-* on the boot partition: {names}")
    kernel, initrd = into / "vmlinuz", into / "initrd.img"
    run(["mcopy", "-o", "-i", target, kernels[-1], str(kernel)])
    run(["mcopy", "-o", "-i", target, initrds[-1], str(initrd)])
    return kernel, initrd


def make_test_disk(path: Path, files: dict[str, Path], tools: Path | None = None) -> None:
    """An ext4 disk labelled OTPBTEST: the agent and helpers in /otpb-test/, plus (optional)
    an arm64 tools tree at its root (wpa_supplicant etc., run with chroot in the guest)."""
    tree = tools if tools is not None else path.with_suffix(".d")
    if tools is None:
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
    helpers = tree / "otpb-test"
    shutil.rmtree(helpers, ignore_errors=True)
    helpers.mkdir()
    for name, source in files.items():
        shutil.copy2(source, helpers / name)
    used = int(run(["du", "-s", "-B1M", str(tree)]).stdout.split()[0])
    path.unlink(missing_ok=True)
    size = f"{used * 13 // 10 + 32}M"
    run(["mkfs.ext4", "-q", "-F", "-L", "OTPBTEST", "-d", str(tree), str(path), size])


@dataclass
class Guest:
    """One running QEMU guest."""

    workdir: Path
    disk: Path
    kernel: Path
    initrd: Path
    test_disk: Path
    modem_socket: Path | None = None
    memory_mib: int = 1024
    ports: Ports = field(default_factory=lambda: Ports(free_port(), free_port(), free_port()))
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    _agent: socket.socket | None = None
    _buffer: bytes = b""
    _ids: itertools.count = field(default_factory=itertools.count)

    @property
    def console_log(self) -> Path:
        return self.workdir / "console.log"

    @property
    def monitor_socket(self) -> Path:
        return self.workdir / "monitor.sock"

    @property
    def agent_socket(self) -> Path:
        return self.workdir / "agent.sock"

    def command_line(self) -> list[str]:
        """The qemu-system-aarch64 argv."""
        agent = (
            "systemd.run=\"/bin/sh -c 'mkdir -p /run/otpb-test;"
            " until mount -o ro LABEL=OTPBTEST /run/otpb-test; do sleep 1; done;"
            # start.sh polls the API from early boot on, then runs the agent.
            " exec systemd-run --unit=otpb-test-agent"
            " /bin/bash /run/otpb-test/otpb-test/start.sh'\""
            " systemd.run_success_action=none"
            " systemd.run_failure_action=none"
            # systemd.run alone would boot into its unit instead of multi-user.target.
            " systemd.unit=multi-user.target systemd.wants=kernel-command-line.service"
        )
        append = (
            "root=LABEL=RASPIROOT rw rootwait console=ttyAMA0 net.ifnames=0 "
            f"systemd.show_status=1 {agent}"
        )
        fwd = (
            f"hostfwd=tcp:127.0.0.1:{self.ports.api}-:8888,"
            f"hostfwd=tcp:127.0.0.1:{self.ports.extra}-:9999,"
            f"hostfwd=tcp:127.0.0.1:{self.ports.ssh}-:22"
        )
        argv = [
            "qemu-system-aarch64",
            "-M", "virt", "-cpu", "cortex-a53", "-smp", "2", "-m", str(self.memory_mib),
            "-accel", "tcg,thread=multi",
            "-nographic", "-no-reboot",
            "-kernel", str(self.kernel), "-initrd", str(self.initrd), "-append", append,
            "-drive", f"if=none,id=disk,file={self.disk},format=raw,cache=unsafe",
            "-device", "virtio-blk-pci,drive=disk",
            "-drive", f"if=none,id=testdisk,file={self.test_disk},format=raw,readonly=on",
            "-device", "virtio-blk-pci,drive=testdisk",
            "-netdev", f"user,id=net0,{fwd}",
            "-device", "virtio-net-pci,netdev=net0,romfile=",
            "-device", "virtio-rng-pci",
            "-device", "qemu-xhci,id=xhci",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent,path={self.agent_socket},server=on,wait=off",
            "-device", "virtserialport,chardev=agent,name=otpb.test",
            "-monitor", f"unix:{self.monitor_socket},server=on,wait=off",
            "-serial", f"file:{self.console_log}",
        ]  # fmt: skip
        if self.modem_socket is not None:
            argv += [
                "-chardev", f"socket,id=modem,path={self.modem_socket},server=on,wait=off",
                "-device", "usb-serial,bus=xhci.0,chardev=modem",
            ]  # fmt: skip
        return argv

    def start(self) -> None:
        """Power on."""
        for path in (self.monitor_socket, self.agent_socket, self.console_log):
            path.unlink(missing_ok=True)
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command_line(),
            stdin=subprocess.DEVNULL,
            stdout=open(self.workdir / "qemu.out", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    def elapsed(self) -> float:
        """Host seconds since power-on."""
        return time.monotonic() - self.started_at

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tails = []
            for log in (self.workdir / "qemu.out", self.console_log):
                if log.exists():
                    tails.append(f"--- {log.name}:\n" + log.read_text(errors="replace")[-3000:])
            raise RuntimeError("QEMU is not running\n" + "\n".join(tails))

    def connect_agent(self, timeout: float) -> None:
        """Wait until the in-guest agent answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self._agent is None and self.agent_socket.exists():
                sock = socket.socket(socket.AF_UNIX)
                sock.connect(str(self.agent_socket))
                self._agent = sock
            if self._agent is not None:
                try:
                    if self.exec(["true"], timeout=3, wait=4).get("rc") == 0:
                        return
                except TimeoutError:
                    pass
            time.sleep(1)
        raise TimeoutError(f"the test agent did not answer within {timeout:.0f} s")

    def exec(self, argv: list[str], *, timeout: float = 60, wait: float | None = None,
             stdin: str = "") -> dict:  # fmt: skip
        """Run a command in the guest; returns {'rc', 'stdout', 'stderr'}."""
        assert self._agent is not None, "agent not connected"
        request_id = next(self._ids)
        request = {"id": request_id, "argv": argv, "timeout": timeout, "input": stdin}
        self._agent.sendall(json.dumps(request).encode() + b"\n")
        deadline = time.monotonic() + (wait if wait is not None else timeout + 10)
        while time.monotonic() < deadline:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                try:
                    answer = json.loads(line)
                except ValueError:
                    continue
                if answer.get("id") == request_id:
                    return answer
            self._agent.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = self._agent.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                raise RuntimeError("agent connection closed")
            self._buffer += chunk
        raise TimeoutError(f"no answer from the guest to {argv}")

    def sh(self, script: str, *, timeout: float = 60) -> str:
        """Run a shell script in the guest; raise with its output when it fails."""
        answer = self.exec(["/bin/sh", "-c", script], timeout=timeout)
        if answer["rc"] != 0:
            raise AssertionError(
                f"guest command failed ({answer['rc']}): {script}\n"
                f"stdout: {answer['stdout']}\nstderr: {answer['stderr']}"
            )
        return answer["stdout"]

    def monitor(self, command: str) -> str:
        """One human-monitor command; returns its output."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.monitor_socket))
            sock.settimeout(5)
            sock.sendall(command.encode() + b"\n")
            time.sleep(1)
            output = b""
            try:
                while chunk := sock.recv(65536):
                    output += chunk
                    if output.rstrip().endswith(b"(qemu)") and command.encode() in output:
                        break
            except TimeoutError:
                pass
        return output.decode(errors="replace")

    def stop(self, timeout: float = 90) -> None:
        """Clean shutdown (poweroff in the guest), then kill if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None and self._agent is not None:
            with contextlib.suppress(TimeoutError, RuntimeError, OSError):
                self.exec(["systemctl", "--no-block", "poweroff"], timeout=5, wait=5)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._agent is not None:
            self._agent.close()
            self._agent = None


def environment_ok() -> list[str]:
    """Host tools the boot test needs that are missing."""
    needed = ["qemu-system-aarch64", "mkfs.ext4", "mcopy", "mdir", "sfdisk"]
    return [t for t in needed if not shutil.which(t) and not os.path.exists(f"/usr/sbin/{t}")]
