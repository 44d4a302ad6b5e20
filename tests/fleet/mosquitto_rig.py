"""A Mosquitto of the fleet tests' own (its own free port and persistence directory: the
machine's shared Mosquitto is never touched), stopped and started again at will."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from crash_rig import terminate, wait_until
from redis_rig import free_port


class OwnMosquitto:
    """A Mosquitto of the test's own on a free port, persisting sessions and queued messages
    in its own directory (saved when it stops), so it can be stopped and started again.

    Run by root, it stays root (``user root``): else Mosquitto changes to the user
    ``mosquitto``, which may not write this directory, and then never saves its database
    (it logs "Error saving in-memory database ... Permission denied" and starts empty
    again). Run by another user, it stays that user anyway."""

    def __init__(self, directory: Path) -> None:
        if shutil.which("mosquitto") is None:
            pytest.skip("mosquitto is not installed")
        self.port, self.config = free_port(), directory / "mosquitto.conf"
        self.database, self.log = directory / "mosquitto.db", directory / "mosquitto.log"
        directory.mkdir()
        stay = "user root\n" if os.geteuid() == 0 else ""
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                               f"persistence true\npersistence_location {directory}/\n"
                               f"{stay}log_dest file {self.log}\n")  # fmt: skip
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        text=True)  # fmt: skip
        wait_until(lambda: _answers(self.port), 30, "mosquitto to listen")

    def stop(self) -> None:
        terminate(self.process)

    def saved(self) -> bool:
        """Whether its database was saved (at the last stop) without an error logged."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return self.database.exists() and "Error saving" not in text


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
