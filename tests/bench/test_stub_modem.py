"""The benchmarks' stub modem on a real pty: answers at once, stamps each PDU's Ctrl-Z."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import serial

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))

from stub_modem import StubModem


def exchange(port: serial.Serial, data: bytes, until: bytes) -> bytes:
    """Write ``data``, read until ``until`` arrives (or 10 s)."""
    port.write(data)
    answer = b""
    deadline = time.monotonic() + 10
    while until not in answer and time.monotonic() < deadline:
        answer += port.read(port.in_waiting or 1)
    return answer


def test_answers_start_up_queries_and_stamps_the_ctrl_z_of_an_at_cmgs():
    with StubModem() as stub, serial.Serial(stub.path, 115200, timeout=0.2) as port:
        assert b"OK" in exchange(port, b"ATE0\r", b"OK")
        assert b"+CPIN: READY" in exchange(port, b"AT+CPIN?\r", b"OK")
        assert b'+CSCA: "+6281100000",145' in exchange(port, b"AT+CSCA?\r", b"OK")
        assert b"> " in exchange(port, b"AT+CMGS=19\r", b"> ")
        before = time.monotonic()
        answer = exchange(port, b"0011000C912618626666660000FF\x1a", b"OK")
        assert b"+CMGS: 1" in answer
        assert stub.wait_for(1, 10)
        assert before <= stub.stamps[0] <= time.monotonic()
        assert stub.lengths == [28]
        assert b"> " in exchange(port, b"AT+CMGS=19\r", b"> ")
        assert b"OK" in exchange(port, b"0011\x1b", b"OK")  # Esc: cancelled, nothing sent
        assert b"+CMGS: 2" in exchange(port, b"AT+CMGS=19\r0011\x1a", b"OK")
        assert len(stub.stamps) == 2
