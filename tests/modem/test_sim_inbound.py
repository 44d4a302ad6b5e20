"""The emulator receives SMS: stored as SMS-DELIVER PDUs, announced per AT+CNMI with each
personality's memory names, a full memory refused with +CMS ERROR 322; injected from the
test API, the control socket and ``modem-sim --receive``."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import serial
from test_sim_pty import _cli_command, chat, control, read_until

from otpbroker.modem.pdu import decode_deliver
from otpbroker.modem.sim import PERSONALITY_NAMES, ModemBank, SimModem, personality_profile
from otpbroker.modem.sim.inbound import MemoryFull


def started(tmp_path: Path, name: str = "generic") -> SimModem:
    profile = personality_profile(name, realistic=False, seed=5)
    return SimModem(profile, link_dir=tmp_path / "by-id").start()


def until(port: serial.Serial, needle: bytes, timeout: float = 5) -> bytes:
    """Read until ``needle`` came (start-up and noise lines may come around it)."""
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        data += port.read(port.in_waiting or 1)
    return data


def listed(port: serial.Serial) -> list[tuple[int, str]]:
    reply = chat(port, "AT+CMGL=4").decode()
    return [(int(i), pdu) for i, pdu in re.findall(r"\+CMGL: (\d+),\d,,\d+\s+([0-9A-F]+)", reply)]


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_received_sms_is_stored_and_announced_in_the_chosen_memory(name, tmp_path):
    sim = started(tmp_path, name)
    try:
        with serial.Serial(sim.port, timeout=0.1) as port:
            for command in ("ATE0", "AT+CMGF=0", "AT+CNMI=2,1,0,0,0"):
                assert b"OK\r\n" in chat(port, command)
            sim.receive_sms("+6281234567890", "Halo 😀")
            assert b'+CMTI: "SM",1\r\n' in until(port, b'+CMTI: "SM",1\r\n')
            assert b"OK\r\n" in chat(port, 'AT+CPMS="ME","ME","ME"')
            sim.receive_sms("Telkomsel", "Sisa pulsa Rp 3000")
            assert b'+CMTI: "ME",1\r\n' in until(port, b'+CMTI: "ME",1\r\n')
            ((index, pdu),) = listed(port)
            sms = decode_deliver(pdu)
            assert (index, sms.sender, sms.alphanumeric, sms.text) == (
                1, "Telkomsel", True, "Sisa pulsa Rp 3000")  # fmt: skip
            assert b"OK\r\n" in chat(port, 'AT+CPMS="SM"')
            ((_, pdu),) = listed(port)
            assert decode_deliver(pdu).text == "Halo 😀"
    finally:
        sim.stop()


def test_multipart_like_a_network_and_only_some_parts(tmp_path):
    sim = started(tmp_path)
    try:
        text = "Kode promo " * 40
        sim.receive_sms("+6281234567890", text, parts=[1, 3], reference=200)
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            parts = [decode_deliver(pdu) for _, pdu in listed(port)]
        assert [p.concat for p in parts] == [(200, 3, 1), (200, 3, 3)]
        with pytest.raises(ValueError, match=r"parts 1\.\.3, not \[4\]"):
            sim.receive_sms("+6281234567890", text, parts=[4])
    finally:
        sim.stop()


def test_cnmi_routes_directly_or_stays_silent(tmp_path):
    sim = started(tmp_path)
    try:
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            chat(port, "AT+CNMI=2,2,0,0,0")
            sim.receive_sms("+6281234567890", "direct")
            data = read_until(port, ends=(b"\r\n",) * 1, timeout=3)
            data += read_until(port, timeout=0.5)
            match = re.search(rb"\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n", data)
            assert match, data
            assert decode_deliver(match.group(2).decode()).text == "direct"
            assert sim.stored_messages() == 0
            chat(port, "AT+CNMI=0,0,0,0,0")
            sim.receive_sms("+6281234567890", "quiet")
            assert b"+CMTI" not in read_until(port, timeout=0.5)
            assert sim.stored_messages() == 1
    finally:
        sim.stop()


def test_a_full_memory_refuses_with_cms_322_and_no_notice(tmp_path):
    sim = started(tmp_path)  # generic: SM holds 30
    try:
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            chat(port, "AT+CNMI=2,1,0,0,0")
            for n in range(30):
                sim.receive_sms("+6281234567890", f"message {n}")
            read_until(port, ends=(b'+CMTI: "SM",30\r\n',))
            with pytest.raises(MemoryFull, match="322"):
                sim.receive_sms("+6281234567890", "one too many")
            assert b"+CMTI" not in read_until(port, timeout=0.5)
            assert sim.stored_messages() == 30
    finally:
        sim.stop()


def test_control_action_receive(tmp_path):
    sock = tmp_path / "ctl.sock"
    with ModemBank(2, seed=4, control_path=sock) as bank:
        good, multi, *bad = control(
            sock,
            {"action": "receive", "modem": 1, "sender": "+6281234567890", "text": "STOP"},
            {"action": "receive", "modem": 0, "sender": "INFO", "text": "x" * 200, "parts": [2]},
            {"action": "receive", "modem": 0, "sender": "+62812"},
            {"action": "receive", "modem": 0, "sender": "+62812", "text": "hi", "parts": "1"},
            {"action": "receive", "modem": 0, "sender": "+62 812", "text": "hi"},
            {"action": "receive", "modem": 0, "sender": "+62812", "text": ""},
        )
        assert good["ok"] and good["modem"]["stored"] == 1
        assert multi["ok"] and multi["modem"]["stored"] == 1
        assert [answer["ok"] for answer in bad] == [False] * 4
        assert bad[0]["error"] == 'receive needs "sender" and "text" strings'
        assert bad[1]["error"] == '"parts" must be a list of part numbers'
        assert "contains ' '" in bad[2]["error"]
        assert "empty" in bad[3]["error"]
        assert [m.stored_messages() for m in bank] == [1, 1]


def test_modem_sim_receive_option(tmp_path):
    sock, links = tmp_path / "ctl.sock", tmp_path / "by-id"
    argv = [*_cli_command(), "--count", "2", f"--link-dir={links}", f"--control={sock}",
            "--receive", "+6281234567890:STOP", "--receive", "Telkomsel:Sisa pulsa"]  # fmt: skip
    sim = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert len([sim.stdout.readline() for _ in range(2)]) == 2
        deadline = time.monotonic() + 10
        stored: list[object] = []
        while stored != [2, 2] and time.monotonic() < deadline:  # printed, then received
            if sock.exists():
                ((listing,),) = [control(sock, {"action": "modems"})]
                stored = [m["stored"] for m in listing["modems"]]
            time.sleep(0.05)
        assert stored == [2, 2]
        port_path = listing["modems"][0]["path"]
        with serial.Serial(port_path, timeout=0.1) as port:
            chat(port, "ATE0")
            texts = sorted(decode_deliver(pdu).text for _, pdu in listed(port))
        assert texts == ["STOP", "Sisa pulsa"]
    finally:
        sim.terminate()
        sim.wait(20)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("+62812", "is not SENDER:TEXT"),
        (":hi", "is not SENDER:TEXT"),
        ("+62 812:hi", "contains ' '"),
        ("Far-too-long-a-name:hi", "neither a number nor"),
    ],
)
def test_modem_sim_refuses_a_bad_receive_option(value, message, tmp_path):
    result = subprocess.run([*_cli_command(), f"--link-dir={tmp_path / 'l'}", "--receive", value],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2 and message in result.stderr


def test_a_locked_sim_receives_nothing_until_its_pin_is_entered(tmp_path):
    profile = personality_profile("generic", realistic=False, seed=5, pin="1234")
    sim = SimModem(profile, link_dir=tmp_path / "by-id").start()
    try:
        with pytest.raises(ValueError, match=r"the SIM is not ready \(SIM PIN\)"):
            sim.receive_sms("+6281234567890", "too early")
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            assert b"OK" in chat(port, 'AT+CPIN="1234"')
        sim.receive_sms("+6281234567890", "now")
        assert sim.stored_messages() == 1
    finally:
        sim.stop()
