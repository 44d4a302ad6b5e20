"""The operator side of an emulated data call: where the bytes go after ``CONNECT``.

By default (no network given) the emulated modem swallows what a client sends in data mode,
as before. A test may plug in a :data:`Network`: a factory called when a call connects,
with ``deliver`` (bytes from the operator to the client) and ``ended`` (the operator side
went away: the modem answers ``NO CARRIER``); it returns the :class:`DataLink` the modem
writes the client's bytes to. :class:`PtyPeer` runs a command on a pseudo-terminal of its
own (for example a real ``pppd`` playing the operator) and relays its byte stream.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from . import ptyio

log = logging.getLogger(__name__)

WRITE_PATIENCE = 2.0
"""Seconds a relay write waits for the peer to read before dropping bytes (like a line)."""


class DataLink(Protocol):
    """One connected data call's operator side."""

    def send(self, data: bytes) -> None:
        """Bytes the client sent in data mode, towards the operator."""

    def close(self) -> None:
        """The call ended on the modem side (hang-up): stop the operator side."""


Network = Callable[[Callable[[bytes], None], Callable[[], None]], DataLink]
"""``network(deliver, ended)`` -> the link of a call that just connected."""


class PtyPeer:
    """A command run on the slave of a new pty; its output is relayed to ``deliver``.

    ``command(slave_path)`` gives the argument list (the slave path is where the command
    finds its terminal). When the command exits, ``ended`` is called once, from the relay
    thread; :meth:`close` ends the command (SIGTERM, then SIGKILL) and the thread.
    """

    def __init__(
        self,
        command: Callable[[str], Sequence[str]],
        deliver: Callable[[bytes], None],
        ended: Callable[[], None],
    ) -> None:
        """Open the pty and start ``command`` on it and the relay thread."""
        self._master, slave, path = ptyio.open_pty()
        self._deliver = deliver
        self._ended = ended
        self._closing = threading.Event()
        try:
            self.process = subprocess.Popen(
                list(command(path)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self._thread = threading.Thread(target=self._relay, name="modem-sim-data", daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        """Write the client's bytes to the command's terminal."""
        if not self._closing.is_set():
            ptyio.write_all(self._master, data, WRITE_PATIENCE)

    def _relay(self) -> None:
        """Copy the command's output to the client until it exits or the link closes."""
        while not self._closing.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.2)
            except (OSError, ValueError):
                break
            if ready:
                try:
                    data = os.read(self._master, 4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    self._deliver(data)
                    continue
            if self.process.poll() is not None:
                break
        if not self._closing.is_set():
            log.info("data call: the operator side ended (exit status %s)", self.process.poll())
            self._ended()

    def close(self) -> None:
        """End the command and the relay (safe from any thread, twice too)."""
        if self._closing.is_set():
            return
        self._closing.set()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._thread is not threading.current_thread():
            self._thread.join(5)
        with contextlib.suppress(OSError):
            os.close(self._master)
