"""The host's emulated modem, wired to the guest's QEMU usb-serial device (test-only).

``otp-broker modem-sim`` makes a modem on a real pseudo-terminal; QEMU's usb-serial device
sits on a chardev Unix socket. The link copies bytes both ways; the guest only sees its
/dev/ttyUSB0 once this client is connected.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import threading
import time
import tty
from pathlib import Path


class ModemLink:
    """modem-sim process + socket<->pty byte pump."""

    def __init__(self, otp_broker: Path, workdir: Path, qemu_socket: Path) -> None:
        self.deliveries = workdir / "modem-deliveries.jsonl"
        self.deliveries.unlink(missing_ok=True)
        # A fixed half-second SMSC delay: the disk scan sends 105 OTPs through this modem.
        self._argv = [
            str(otp_broker),
            "--data-dir", str(workdir / "modem-sim-data"),
            "modem-sim", "--deliveries", str(self.deliveries), "--seed", "7", "--delay", "0.5",
        ]  # fmt: skip
        self._qemu_socket = qemu_socket
        self._stop = threading.Event()
        self.process: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self.imei = ""

    def start(self, timeout: float = 30) -> ModemLink:
        """Start the emulator and connect its pty to QEMU's socket."""
        self.process = subprocess.Popen(
            self._argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        pty_path, self.imei = self.process.stdout.readline().split()[:2]
        pty_fd = os.open(pty_path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(pty_fd)
        sock = socket.socket(socket.AF_UNIX)
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock.connect(str(self._qemu_socket))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self._thread = threading.Thread(target=self._pump, args=(sock, pty_fd), daemon=True)
        self._thread.start()
        return self

    def _pump(self, sock: socket.socket, pty_fd: int) -> None:
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ, "sock")
        selector.register(pty_fd, selectors.EVENT_READ, "pty")
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.5):
                    if key.data == "sock":
                        data = sock.recv(4096)
                        if not data:
                            return
                        os.write(pty_fd, data)
                    else:
                        try:
                            data = os.read(pty_fd, 4096)
                        except OSError:
                            return
                        sock.sendall(data)
        finally:
            selector.close()
            sock.close()
            os.close(pty_fd)

    def delivered(self) -> list[str]:
        """Texts the emulated network delivered so far."""
        import json

        if not self.deliveries.exists():
            return []
        lines = self.deliveries.read_text("utf-8").splitlines()
        return [json.loads(line)["text"] for line in lines if line.strip()]

    def stop(self) -> None:
        """Disconnect and end the emulator."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
