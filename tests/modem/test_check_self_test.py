"""``modem-check --self-test NUMBER`` against ``modem-sim`` in another process: the token
SMS to the modem's own number comes back on that port (round trip reported); to a number
nobody has, "not back after N s"."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("otp-broker")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """One emulated modem: (its port link, its MSISDN, the deliveries file)."""
    deliveries = tmp_path / "deliveries.jsonl"
    sim = subprocess.Popen(
        [BIN, "modem-sim", "--count", "1", "--link-dir", tmp_path / "by-id",
         "--deliveries", deliveries],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert sim.stdout is not None
        _pty, imei, _imsi, msisdn = sim.stdout.readline().split()
        yield tmp_path / "by-id" / imei, msisdn, deliveries
    finally:
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(10) == 0


def check(tmp_path: Path, port: Path, *extra: str) -> tuple[int, dict, str]:
    done = subprocess.run(
        [BIN, "--data-dir", tmp_path / "data", "modem-check", "--port", port, *extra],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout), done.stderr


def test_self_test_to_the_own_number_comes_back(tmp_path, emulator):
    port, msisdn, deliveries = emulator
    code, report, stderr = check(tmp_path, port, "--self-test", msisdn, "--self-test-wait", "60")
    assert code == 0, stderr
    test = report["self_test"]
    assert test["sent"] == "sent" and test["outcome"] == "back", test
    assert test["round_trip_seconds"] >= 0 and test["summary"].startswith("back after")
    assert test["arrived_at"] >= test["sent_at"] - 1
    [line] = deliveries.read_text("utf-8").split("\n")[:-1]
    delivered = json.loads(line)
    assert delivered["text"] == f"OTP Broker self-test {test['token']}"
    assert delivered["to"].lstrip("+") == msisdn.lstrip("+")
    assert test["token"] not in stderr  # never logged


def test_self_test_to_a_number_nobody_has_is_not_back(tmp_path, emulator):
    port, _msisdn, _deliveries = emulator
    code, report, stderr = check(
        tmp_path, port, "--self-test", "+628120000000", "--self-test-wait", "3"
    )
    assert code == 0, stderr  # the modem can send: the report says the rest
    test = report["self_test"]
    assert test["sent"] == "sent" and test["outcome"] == "not-back"
    assert test["summary"] == "not back after 3 s" and "arrived_at" not in test


def test_self_test_with_a_bad_number_is_rejected_precisely(tmp_path, emulator):
    port, _msisdn, _deliveries = emulator
    _code, report, _stderr = check(tmp_path, port, "--self-test", "12ab")
    assert report["self_test"]["outcome"] == "rejected" and report["self_test"]["error"]
