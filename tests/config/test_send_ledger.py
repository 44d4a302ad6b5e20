"""The send ledger file: fsync order, torn records, bounds, age, reload."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from otpbroker.config.send_ledger import FileSendLedger
from otpbroker.domain.ports import SendLedger


class Clock:
    """A wall clock the test moves."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FsyncLog:
    """Records, at each fsync of the ledger file, how many bytes the file held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: list[int] = []

    def __call__(self, fd: int) -> None:
        os.fsync(fd)
        if self.path.exists():
            self.sizes.append(self.path.stat().st_size)


def test_it_is_a_send_ledger(tmp_path: Path) -> None:
    ledger = FileSendLedger(tmp_path / "ledger")
    assert isinstance(ledger, SendLedger)
    ledger.close()


def test_each_record_is_on_file_and_fsynced_before_the_call_returns(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    fsyncs = FsyncLog(path)
    ledger = FileSendLedger(path, fsync=fsyncs)
    ledger.sending("sms:a")
    assert len(fsyncs.sizes) == 1 and fsyncs.sizes[0] == path.stat().st_size > 0
    assert b'"s":"sending"' in path.read_bytes()
    ledger.finished("sms:a", "sent")
    assert len(fsyncs.sizes) == 2 and fsyncs.sizes[1] == path.stat().st_size
    assert path.read_bytes().count(b"\n") == 2
    ledger.close()


def test_a_failing_fsync_is_not_hidden(tmp_path: Path) -> None:
    def broken(fd: int) -> None:
        raise OSError(5, "I/O error")

    ledger = FileSendLedger(tmp_path / "ledger", fsync=broken)
    with pytest.raises(OSError):
        ledger.sending("sms:a")
    ledger.close()


def test_reload_keeps_states_and_a_sending_without_outcome_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    clock = Clock()
    ledger = FileSendLedger(path, clock=clock)
    for key, state in (("sms:sent", "sent"), ("sms:failed", "failed"), ("sms:exp", "expired")):
        ledger.sending(key)
        ledger.finished(key, state)
    ledger.sending("sms:crashed")
    ledger.close()
    again = FileSendLedger(path, clock=clock)
    states = {k: again.lookup(k) for k in ("sms:sent", "sms:failed", "sms:exp", "sms:crashed")}
    assert {k: e.state for k, e in states.items() if e} == {
        "sms:sent": "sent", "sms:failed": "failed", "sms:exp": "expired", "sms:crashed": "unknown",
    }  # fmt: skip
    assert again.lookup("sms:other") is None
    assert [k for k, e in states.items() if e and e.went_out] == ["sms:sent", "sms:crashed"]
    again.close()


def test_a_torn_last_record_is_ignored_and_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    ledger = FileSendLedger(path)
    ledger.sending("sms:a")
    ledger.finished("sms:a", "sent")
    ledger.close()
    whole = path.read_bytes()
    path.write_bytes(whole + whole.splitlines(keepends=True)[0][:17])  # power cut mid-write
    again = FileSendLedger(path)
    assert again.lookup("sms:a") is not None and again.lookup("sms:a").state == "sent"  # type: ignore[union-attr]
    again.sending("sms:b")  # appended after the cut, not glued to the torn bytes
    again.close()
    third = FileSendLedger(path)
    assert third.lookup("sms:b") is not None and len(third) == 2
    assert path.read_bytes().endswith(b"\n")
    third.close()


def test_a_record_with_a_wrong_checksum_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    ledger = FileSendLedger(path)
    ledger.sending("sms:a")
    ledger.finished("sms:a", "failed")
    ledger.close()
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[1].replace(b"failed", b"sent!!"))
    again = FileSendLedger(path)
    assert again.lookup("sms:a").state == "unknown"  # type: ignore[union-attr]
    again.close()


def test_records_older_than_the_age_limit_are_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    clock = Clock()
    ledger = FileSendLedger(path, max_age=100.0, clock=clock)
    ledger.finished("sms:old", "sent")
    clock.now += 60
    ledger.finished("sms:new", "sent")
    clock.now += 50  # old: 110 s, new: 50 s
    assert ledger.lookup("sms:old") is None
    assert ledger.lookup("sms:new") is not None
    ledger.close()
    again = FileSendLedger(path, max_age=100.0, clock=clock)
    assert again.lookup("sms:old") is None and again.lookup("sms:new") is not None
    again.close()


def test_at_most_max_entries_keys_the_oldest_go_first(tmp_path: Path) -> None:
    clock = Clock()
    ledger = FileSendLedger(tmp_path / "ledger", max_entries=3, clock=clock)
    for n in range(5):
        clock.now += 1
        ledger.finished(f"sms:{n}", "sent")
    assert len(ledger) == 3
    assert [ledger.lookup(f"sms:{n}") is not None for n in range(5)] == [False, False] + [True] * 3
    ledger.close()


def test_compaction_bounds_the_file_and_keeps_every_live_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    ledger = FileSendLedger(path, max_entries=50)
    for n in range(3000):
        ledger.sending(f"sms:{n}")
        ledger.finished(f"sms:{n}", "sent")
    records = path.read_bytes().count(b"\n")
    assert records <= 1001  # rewritten whenever it passes max(2 x live keys, 1000) records
    assert not path.with_name(path.name + ".tmp").exists()
    ledger.close()
    again = FileSendLedger(path, max_entries=50)
    assert len(again) == 50
    assert all(again.lookup(f"sms:{n}") is not None for n in range(2950, 3000))
    again.close()


def test_compaction_rewrites_atomically_with_fsyncs(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    synced: list[int] = []
    ledger = FileSendLedger(path, max_entries=10, fsync=synced.append)  # fd numbers only
    for n in range(1001):
        ledger.finished(f"sms:{n}", "sent")
    assert len(synced) == 1001 + 2  # every record, then the new file and its directory
    assert path.read_bytes().count(b"\n") == 10
    ledger.close()


def test_only_keys_states_and_times_are_written(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    ledger = FileSendLedger(path)
    ledger.sending("sms:" + "x" * 300)  # a long key is stored as its digest
    ledger.close()
    line = path.read_text()
    assert "x" * 50 not in line
    record = json.loads(line.split(" ", 1)[1])
    assert sorted(record) == ["k", "s", "t"]
    assert record["k"].startswith("sha256:") and record["s"] == "sending"


def test_finished_refuses_a_state_that_is_not_an_outcome(tmp_path: Path) -> None:
    ledger = FileSendLedger(tmp_path / "ledger")
    with pytest.raises(ValueError, match="not an outcome"):
        ledger.finished("sms:a", "sending")
    ledger.close()
