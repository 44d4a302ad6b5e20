"""The crash-safe TinyDB storage (temp file + fsync + rename)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from tinydb import TinyDB

from otpbroker.config import CorruptConfigError
from otpbroker.config.storage import AtomicJSONStorage, file_signature

DATA = {"settings": {"1": {"api.http_port": 8080}}, "modems": {}}


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _temp_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(".config.json.*.tmp"))


def test_missing_and_empty_files_read_as_empty(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "config.json")
    assert storage.read() is None
    assert not (tmp_path / "config.json").exists()
    (tmp_path / "config.json").write_text("  \n")
    assert storage.read() is None


def test_write_then_read(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    storage = AtomicJSONStorage(path)
    storage.write(DATA)
    assert storage.read() == DATA
    assert json.loads(path.read_text()) == DATA
    assert AtomicJSONStorage(path).read() == DATA
    assert _temp_files(tmp_path) == []


def test_file_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    old = os.umask(0)
    try:
        AtomicJSONStorage(path).write(DATA)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_works_as_tinydb_storage(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        db.table("t").insert({"a": 1})
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        assert db.table("t").all() == [{"a": 1}]


def test_every_write_changes_the_signature(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    storage = AtomicJSONStorage(path)
    seen = set()
    for _ in range(50):
        storage.write(DATA)  # same content, same size, maybe the same clock tick
        signature = file_signature(path)
        assert signature == storage.signature
        assert signature not in seen
        seen.add(signature)


def test_leftover_temp_files_are_ignored_and_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    AtomicJSONStorage(path).write(DATA)
    dead = tmp_path / f".config.json.{_dead_pid()}.0123456789ab.tmp"
    dead.write_text('{"torn": ')
    alive_fresh = tmp_path / f".config.json.{os.getppid()}.aaaaaaaaaaaa.tmp"
    alive_fresh.write_text("{")
    alive_old = tmp_path / f".config.json.{os.getppid()}.bbbbbbbbbbbb.tmp"
    alive_old.write_text("{")
    an_hour_ago = time.time() - 3600
    os.utime(alive_old, (an_hour_ago, an_hour_ago))
    mine = tmp_path / f".config.json.{os.getpid()}.cccccccccccc.tmp"
    mine.write_text("{")
    unrelated = tmp_path / ".other.json.1.x.tmp"
    unrelated.write_text("{")

    storage = AtomicJSONStorage(path)

    assert storage.read() == DATA
    assert not dead.exists(), "a dead writer's temp file is removed"
    assert not alive_old.exists(), "a stale temp file is removed"
    assert alive_fresh.exists(), "a live writer may still rename its temp file"
    assert mine.exists()
    assert unrelated.exists()


def test_failed_write_keeps_old_file_and_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.json"
    storage = AtomicJSONStorage(path)
    storage.write(DATA)

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="I/O error"):
        storage.write({"settings": {"1": {"api.http_port": 1}}})
    monkeypatch.undo()
    assert AtomicJSONStorage(path).read() == DATA
    assert _temp_files(tmp_path) == []


def test_unserialisable_data_never_touches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    storage = AtomicJSONStorage(path)
    storage.write(DATA)
    with pytest.raises(TypeError):
        storage.write({"t": {"1": {"x": object()}}})
    assert storage.read() == DATA
    assert _temp_files(tmp_path) == []


@pytest.mark.parametrize("content", ['{"settings": {"1": ', "[1, 2]", '{"t": 5}', "\xff\xfe"])
def test_corrupt_file_is_reported_not_discarded(tmp_path: Path, content: str) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(CorruptConfigError, match=r"config\.json"):
        AtomicJSONStorage(path).read()
    assert path.read_bytes() == content.encode("latin-1")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand files to another owner")
def test_root_keeps_the_owner_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    storage = AtomicJSONStorage(path)
    storage.write(DATA)
    os.chown(path, 4321, 4321)
    storage.write({"settings": {}})
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand files to another owner")
def test_root_gives_a_new_file_the_directory_owner(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    os.chown(directory, 4321, 4321)
    AtomicJSONStorage(directory / "config.json").write(DATA)
    info = (directory / "config.json").stat()
    assert (info.st_uid, info.st_gid) == (4321, 4321)
