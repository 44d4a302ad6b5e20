"""The keep-alive times file: round trip, mode 0600, ids and times only, and a torn,
damaged or hand-edited file ignored with a log line (idleness then counts from the start)."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from otpbroker.config.keepalive_file import FILE_NAME, KeepAliveFile, in_directory
from otpbroker.domain.ports import KeepAliveTimes


def test_round_trip_private_and_a_port(tmp_path: Path) -> None:
    store = KeepAliveFile(tmp_path / "sub" / FILE_NAME)
    assert isinstance(store, KeepAliveTimes)
    assert store.load() == {}
    store.save({"m1": 1_800_000_000.5, "m2": 1_800_000_100.0})
    assert KeepAliveFile(store.path).load() == {"m1": 1_800_000_000.5, "m2": 1_800_000_100.0}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.save({"m2": 5.0})  # replaces, never merges
    assert store.load() == {"m2": 5.0}
    assert [p.name for p in store.path.parent.iterdir()] == [FILE_NAME]  # no temp file left


def test_in_directory(tmp_path: Path) -> None:
    assert in_directory(None) is None
    found = in_directory(tmp_path)
    assert found is not None and found.path == tmp_path / FILE_NAME


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 1, "modems": {"m1": 1800000',  # torn
        "\x00\x00\x00",
        '{"version": 2, "modems": {"m1": 1.0}}',
        '{"version": 1, "modems": {"m1": "yesterday"}}',
        '{"version": 1, "modems": {"m1": true}}',
        '{"version": 1, "modems": {"m1": -5}}',
        '{"version": 1, "modems": {"": 1.0}}',
        '{"version": 1, "modems": ["m1"]}',
        '{"version": 1}',
        "[1, 2]",
    ],
)
def test_a_bad_file_is_ignored_with_a_log_line(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="otpbroker.config.keepalive_file"):
        assert KeepAliveFile(path).load() == {}
    assert any("cannot be read" in r.getMessage() for r in caplog.records)


def test_holds_ids_and_times_only(tmp_path: Path) -> None:
    store = KeepAliveFile(tmp_path / FILE_NAME)
    store.save({"m1": 1_800_000_000.0})
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data == {"version": 1, "modems": {"m1": 1_800_000_000.0}}
