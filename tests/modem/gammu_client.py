"""Running the real ``gammu`` program against an emulated modem's port."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

GAMMU = shutil.which("gammu") or "/usr/bin/gammu"


def config(port: str, folder: Path) -> Path:
    """A gammu configuration for ``port`` that logs the whole AT dialogue to ``folder``."""
    if not os.path.exists(GAMMU):
        pytest.fail("gammu is not installed (apt-get install gammu)")
    path = folder / "gammurc"
    path.write_text(
        "[gammu]\n"
        f"device = {port}\n"
        "connection = at115200\n"
        "logformat = textall\n"
        f"logfile = {folder / 'gammu.log'}\n"
    )
    return path


def log_of(folder: Path) -> str:
    """Gammu's log so far (for assertion messages)."""
    path = folder / "gammu.log"
    return path.read_text(errors="replace") if path.exists() else "(no log)"


def batch(rc: Path, commands: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``gammu batch``: several commands in one session with the modem."""
    script = rc.parent / "batch.txt"
    script.write_text("\n".join(commands) + "\n")
    return subprocess.run(
        [GAMMU, "-c", str(rc), "batch", str(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def getussd(rc: Path, code: str, timeout: float = 60) -> str:
    """``gammu getussd CODE``; gammu waits 10 s for more replies after the first, so it is
    interrupted (its documented Ctrl+C) once the reply is printed. Returns its output."""
    proc = subprocess.Popen(
        [GAMMU, "-c", str(rc), "getussd", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        chunk = os.read(fd, 4096) if ready else b""
        if ready and not chunk:
            break
        output += chunk
        if re.search(rb"Service reply[^\n]*\n", output):
            proc.send_signal(signal.SIGINT)
            break
    try:
        rest, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    return (output + rest).decode("utf-8", "replace")
