"""The two command-line tools together: modem-sim in one process, modem-check in another."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("otp-broker")


def test_modem_check_identifies_sends_and_runs_ussd_on_the_emulator(tmp_path):
    deliveries = tmp_path / "deliveries.jsonl"
    sim = subprocess.Popen(
        [
            BIN,
            "modem-sim",
            "--count",
            "1",
            "--pin",
            "2468",
            "--link-dir",
            tmp_path / "by-id",
            "--deliveries",
            deliveries,
            "--urc-interval",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _pty, imei, imsi, msisdn = sim.stdout.readline().split()
        check = subprocess.run(
            [
                BIN,
                "--data-dir",
                tmp_path / "data",
                "modem-check",
                "--port",
                tmp_path / "by-id" / imei,
                "--pin",
                "2468",
                "--send-to",
                "+628126666666",
                "--text",
                "Kode: 9876 😀",
                "--ussd",
                "*888#",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        report = json.loads(check.stdout)
        assert report["state"] == "ready"
        assert report["identity"]["imei"] == imei and report["identity"]["imsi"] == imsi
        assert report["identity"]["msisdn"] == msisdn
        assert report["sms"]["outcome"] == "sent"
        assert report["ussd"]["reply"].startswith("Sisa pulsa")
        [line] = deliveries.read_text("utf-8").split("\n")[:-1]
        assert json.loads(line)["text"] == "Kode: 9876 😀"
        assert "9876" not in check.stderr  # the driver never logs message text
    finally:
        sim.send_signal(signal.SIGTERM)
        assert sim.wait(10) == 0


def test_modem_check_reports_a_missing_port_clearly(tmp_path):
    check = subprocess.run(
        [BIN, "modem-check", "--port", tmp_path / "nothing", "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 1
    report = json.loads(check.stdout)
    assert report["state"] == "disconnected"
    assert "cannot open" in report["last_error"]
