"""ConfigStore.transaction(): the store held against other threads and other processes.

Exclusion is shown by the order of effects: a writer that starts while the transaction is
held lands after the transaction's own later writes, and has not finished while it was held
(a bounded wait for its end finds none).
"""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.store import LOCK_NAME

WRITER = """
import sys
from otpbroker.config import ConfigStore

store = ConfigStore(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # "go"
store.add("blocklist", {"msisdn": "628300", "source": "cli"})
print("done", flush=True)
"""
WINDOW = 2.0  # seconds a writer that is NOT held back would need, at most, to finish


def msisdns(store: ConfigStore) -> list[str]:
    return [record["msisdn"] for record in store.list("blocklist")]


def file_lock_is_free(data_dir: Path) -> bool:
    """True when another open file description can take the store's file lock now."""
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # and with it the probe's lock
    return True


def line_within(pipe, seconds: float) -> bytes:
    """The next line of an unbuffered pipe, or b"" when none comes within ``seconds``."""
    ready, _, _ = select.select([pipe], [], [], seconds)
    return pipe.readline() if ready else b""


def test_a_second_process_writes_only_after_the_transaction(store: ConfigStore, data_dir):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
    )  # fmt: skip
    try:
        assert line_within(writer.stdout, 60) == b"ready\n"  # its store is open
        with store.transaction():
            store.add("blocklist", {"msisdn": "628100", "source": "admin"})
            writer.stdin.write(b"go\n")
            finished_while_held = line_within(writer.stdout, WINDOW)
            store.add("blocklist", {"msisdn": "628200", "source": "admin"})
        assert finished_while_held == b""
        assert line_within(writer.stdout, 60) == b"done\n"
    finally:
        writer.stdin.close()
        assert writer.wait(60) == 0
    assert msisdns(store) == ["628100", "628200", "628300"]


def test_another_thread_writes_only_after_the_transaction(data_dir):
    store, other = ConfigStore(data_dir), ConfigStore(data_dir)  # two stores of one process
    started = threading.Event()

    def write() -> None:
        started.set()
        other.add("blocklist", {"msisdn": "628300"})

    thread = threading.Thread(target=write)
    with store.transaction():
        store.add("blocklist", {"msisdn": "628100"})
        thread.start()
        started.wait(60)
        thread.join(WINDOW)
        still_waiting = thread.is_alive()
        store.add("blocklist", {"msisdn": "628200"})
    thread.join(60)
    assert still_waiting
    assert msisdns(store) == ["628100", "628200", "628300"]


def test_nested_writes_keep_the_file_lock_and_notify_once(store: ConfigStore, data_dir):
    seen: list[int] = []
    store.subscribe(seen.append)
    before = store.generation
    with store.transaction():
        assert not file_lock_is_free(data_dir)
        record = store.add("api_users", {"username": "alice"})
        store.update("api_users", record["id"], {"phone": "0812345"})
        assert not file_lock_is_free(data_dir)  # an inner write released nothing
        with store.transaction():  # transactions nest too
            store.set("otp.digits", 7)
            store.set_password("api_users", record["id"], "a long password")
        assert not file_lock_is_free(data_dir)
        assert store.get("otp.digits") == 7
        assert store.get_record("api_users", record["id"])["phone"] == "0812345"
        assert seen == []
    assert file_lock_is_free(data_dir)
    assert store.generation == before + 4
    assert seen == [before + 4]  # once, at the end


def test_reads_inside_see_another_stores_last_write(data_dir):
    store, other = ConfigStore(data_dir), ConfigStore(data_dir)
    store.get("otp.digits")  # read once before the other store writes
    other.set("otp.digits", 8)
    other.add("admins", {"username": "root"})
    with store.transaction():
        assert store.get("otp.digits") == 8
        assert [admin["username"] for admin in store.list("admins")] == ["root"]


def test_an_error_inside_releases_the_store_and_keeps_what_was_written(store, data_dir):
    with pytest.raises(RuntimeError), store.transaction():
        store.add("blocklist", {"msisdn": "628100"})
        raise RuntimeError("the caller's own failure")
    assert file_lock_is_free(data_dir)
    assert msisdns(store) == ["628100"]  # a transaction holds the store; it undoes nothing
    ConfigStore(data_dir).add("blocklist", {"msisdn": "628200"})
    assert msisdns(store) == ["628100", "628200"]
