"""A writer SIGKILLed at random moments never leaves a configuration that fails to load."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import stat
import time
from pathlib import Path

import pytest

from otpbroker.config import ConfigStore

KEY = "api.auth_cache_seconds"
ROUNDS = 250
LIMIT = 900  # values a child may write in one round: base .. base + LIMIT - 1
BASES = (1000, 2000)  # alternate so that a round's first write always changes the file


def _writer(data_dir: Path, base: int, ready: int) -> None:
    """Child process: write base, base+1, ... to a setting and to a record, until killed.

    One byte on the ``ready`` pipe says the store is open and writing starts, so that the
    parent's random delay measures writing time, not how long a loaded machine takes to
    schedule a new process.
    """
    code = 1
    try:
        store = ConfigStore(data_dir)
        found = store.find("api_users", username="crash")
        record_id = found[0]["id"] if found else None
        os.write(ready, b"+")
        for value in range(base, base + LIMIT):
            store.set(KEY, value)
            if record_id is None:
                record_id = store.add("api_users", {"username": "crash", "phone": str(value)})["id"]
            else:
                store.update("api_users", record_id, {"phone": str(value)})
        code = 0
    finally:
        os._exit(code)


@pytest.mark.slow
def test_sigkill_during_writes_never_corrupts(data_dir: Path) -> None:
    rng = random.Random(20240611)
    path = data_dir / "config.json"
    previous_value = ConfigStore(data_dir).get(KEY)
    previous_phone: str | None = None
    previous_bytes = path.read_bytes()
    changed = killed = mid_write = 0
    started = time.monotonic()

    for round_number in range(ROUNDS):
        base = BASES[round_number % 2]
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_read)
            _writer(data_dir, base, ready_write)
        os.close(ready_write)
        waiting, _, _ = select.select([ready_read], [], [], 30)
        assert waiting, "the writer never started"
        os.close(ready_read)
        time.sleep(rng.uniform(0.002, 0.04))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            killed += 1
        else:
            assert os.WEXITSTATUS(status) == 0, "the writer failed on its own"

        current_bytes = path.read_bytes()
        json.loads(current_bytes)  # never torn
        mid_write += bool(list(data_dir.glob(".config.json.*.tmp")))
        store = ConfigStore(data_dir)  # must load every time
        value = store.get(KEY)
        users = store.find("api_users", username="crash")
        assert len(users) <= 1
        phone = users[0]["phone"] if users else None

        if current_bytes == previous_bytes:  # the writer was killed before its first write
            assert (value, phone) == (previous_value, previous_phone)
        else:  # a state the writer of this round left between two writes
            changed += 1
            assert base <= value < base + LIMIT, f"round {round_number}: unexpected {value}"
            before = previous_phone if value == base else str(value - 1)
            assert phone in (str(value), before), f"round {round_number}: {value=} {phone=}"
        assert list(data_dir.glob(".config.json.*.tmp")) == [], "leftover temp file not cleaned"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        store.close()
        previous_value, previous_phone, previous_bytes = value, phone, current_bytes

    elapsed = time.monotonic() - started
    print(
        f"crash test: {ROUNDS} rounds, {killed} killed, {mid_write} mid-write, "
        f"{changed} changed, {elapsed:.1f} s"
    )
    assert killed >= ROUNDS * 0.9, "the writers should be killed, not finish"
    assert changed >= ROUNDS * 0.5, "most rounds should have written something"
