"""A RabbitMQ node of the tests' own: its own node name, ports, data dir and Erlang cookie,
so stopping it never disturbs the machine's shared broker (only the shared ``epmd`` learns
its name). The management plugin answers on its own loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from redis_rig import free_port

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")
START_TIMEOUT = 180.0


class OwnRabbit:
    """``rabbitmq-server`` in ``directory``; ``stop_app``/``start_app`` stop and start the
    broker inside the node (durable queues and persistent messages stay)."""

    def __init__(self, directory: Path) -> None:
        if not SERVER.exists() or not CTL.exists() or shutil.which("erl") is None:
            pytest.skip("rabbitmq-server is not installed")
        self.dir = directory
        self.port, self.management_port = free_port(), free_port()
        self.node = f"otpb{uuid.uuid4().hex[:8]}@localhost"
        (directory / "home").mkdir(parents=True)
        (directory / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"management.tcp.port = {self.management_port}\nmanagement.tcp.ip = 127.0.0.1\n"
        )
        self.env = {
            **os.environ, "HOME": str(directory / "home"), "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(directory / "log"),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(directory / "pid"),
        }  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    def start(self) -> None:
        """Start the node and wait until AMQP answers (skip the test if it never does)."""
        with open(self.dir / "server.log", "ab") as log:
            self.process = subprocess.Popen([str(SERVER)], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        if not self._answers(START_TIMEOUT):
            self.stop()
            pytest.skip("the test's own RabbitMQ node did not start")

    def stop_app(self) -> None:
        """Stop the broker (connections close; the node stays)."""
        self._ctl("stop_app")

    def start_app(self) -> None:
        """Start the broker again and wait until AMQP answers."""
        self._ctl("start_app")
        assert self._answers(START_TIMEOUT), "RabbitMQ did not come back"

    def stop(self) -> None:
        """Halt the node (and its process)."""
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run([str(CTL), "-n", self.node, "stop"], env=self.env, check=False,
                       capture_output=True, timeout=120)  # fmt: skip
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def _ctl(self, *args: str) -> None:
        subprocess.run([str(CTL), "-n", self.node, *args], env=self.env, check=True,
                       capture_output=True, timeout=120)  # fmt: skip

    def _answers(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.2)
        return False
