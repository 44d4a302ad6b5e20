"""The helper reached the way systemd's ``Accept=yes`` socket reaches it on a device: the
real helper program started with a connected socket as its standard input and output.

:class:`SpawnedHelper` is a ``HelperTransport`` for one call per socket pair (the peer is this
test process); :class:`SocketActivator` listens on a path like ``otpb-helper.socket`` and
starts one helper per accepted connection (the peer is whoever connected).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from otpbroker.system.helper_transports import HelperError, converse

HELPER = [sys.executable, "-m", "otpbroker.privileged", "--connection"]


def unit_environ(env: Mapping[str, str]) -> dict[str, str]:
    """The helper's environment: the unit's (here: PATH and the test root's variables)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}


def start_helper(connection: socket.socket, env: Mapping[str, str]) -> subprocess.Popen:
    """One helper with ``connection`` as its standard input and output."""
    return subprocess.Popen(HELPER, stdin=connection, stdout=connection, env=unit_environ(env))


class SpawnedHelper:
    """A transport that starts the real helper on one end of a socket pair for each call."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env  # not copied: a test may add a variable later, as the unit file would

    def exchange(self, args: list[str], timeout: float) -> str:
        ours, theirs = socket.socketpair()
        with ours:
            process = start_helper(theirs, self.env)
            theirs.close()
            try:
                return converse(ours, args, timeout)
            except TimeoutError:
                raise HelperError(f"the helper did not answer within {timeout:g} s") from None
            finally:
                process.wait(timeout=timeout + 30)


class SocketActivator:
    """Listen on ``path`` and start the helper for every connection (``Accept=yes``)."""

    def __init__(self, path: Path, env: Mapping[str, str], mode: int = 0o666) -> None:
        self.path = path
        self.env = env
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        os.chmod(path, mode)
        self.listener.listen(8)
        self.processes: list[subprocess.Popen] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed by stop()
            with connection:
                self.processes.append(start_helper(connection, self.env))

    def stop(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(timeout=10)
        for process in self.processes:
            process.wait(timeout=60)
