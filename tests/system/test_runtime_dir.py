"""Private directories for Unix sockets stay short enough to bind, whatever the runtime
directory's path (a deep test directory would overflow ``sockaddr_un``'s 107 bytes)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from otpbroker.system.runtime_dir import RUNTIME_DIR_VARIABLE, private_directory


def bind_in(directory: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(directory / "https.sock"))


def test_a_short_runtime_directory_holds_the_private_directory(monkeypatch):
    short = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    try:
        monkeypatch.setenv(RUNTIME_DIR_VARIABLE, str(short))
        made = private_directory("front-")
        assert made.parent == short and made.stat().st_mode & 0o777 == 0o700
        bind_in(made)
    finally:
        shutil.rmtree(short)


def test_runtime_and_temporary_directories_too_deep_for_a_socket_are_passed_over(
    tmp_path, monkeypatch
):
    deep = tmp_path / ("d" * 60) / ("e" * 40)
    deep.mkdir(parents=True)
    monkeypatch.setenv(RUNTIME_DIR_VARIABLE, str(deep))
    monkeypatch.setattr(tempfile, "tempdir", str(deep))  # as with TMPDIR set to a deep one
    with pytest.raises(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(deep / "front-abcdefgh" / "https.sock"))  # what would have been used
    made = private_directory("front-")
    try:
        assert deep not in made.parents
        bind_in(made)
    finally:
        shutil.rmtree(made)
