"""The network's time per SMS part, recorded with each delivery (what a benchmark needs to
compute the ideal throughput of a modem), through a real pty and the deliveries file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import serial
from test_sim_pty import chat, send

from otpbroker.modem.pdu import encode_submit
from otpbroker.modem.sim import SimModem, personality_profile


def test_each_part_records_the_smsc_wait_and_each_message_their_sum(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.jsonl"
    profile = personality_profile("quectel-ec25", realistic=False, seed=3,
                                  send_delay_range=(0.05, 0.3))  # fmt: skip
    sim = SimModem(profile, deliveries_path=path).start()
    try:
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            for pdu in encode_submit("+628126666666", "Kode OTP 123456 " * 12, reference=3):
                assert b"+CMGS: " in send(port, pdu.hex, pdu.tpdu_length)
            assert b"+CMGS: " in send(port, encode_submit("+628127777777", "hi")[0].hex)
        long, short = sim.wait_for_deliveries(2)
    finally:
        sim.stop()
    parts = sim.log.parts
    assert [p.submit.destination for p in parts] == ["+628126666666"] * 2 + ["+628127777777"]
    waits = [p.smsc_seconds for p in parts]
    assert all(0.05 <= w <= 0.3 for w in waits) and len(set(waits)) == 3  # seeded, drawn
    assert (long.parts, long.part_smsc_seconds) == (2, tuple(waits[:2]))
    assert long.smsc_seconds == pytest.approx(waits[0] + waits[1])
    assert (short.smsc_seconds, short.part_smsc_seconds) == (waits[2], (waits[2],))
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [row["smsc_seconds"] for row in rows] == [
        round(waits[0] + waits[1], 3),
        round(waits[2], 3),
    ]
    assert rows[0]["part_smsc_seconds"] == [round(w, 3) for w in waits[:2]]
    assert rows == [long.as_dict(), short.as_dict()]


def test_a_fixed_delay_is_recorded_as_such_and_no_delay_as_zero(tmp_path: Path) -> None:
    for delay in (0.0, 0.15):
        profile = personality_profile("generic", realistic=False, seed=1, send_delay=delay)
        with SimModem(profile) as sim, serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            assert b"+CMGS: " in send(port, encode_submit("+628126666666", "otp")[0].hex)
            [delivery] = sim.wait_for_deliveries(1)
        assert (delivery.smsc_seconds, delivery.part_smsc_seconds) == (delay, (delay,))
