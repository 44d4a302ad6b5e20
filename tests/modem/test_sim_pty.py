"""The emulator through real pseudo-terminals, opened with pyserial like the driver does."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from otpbroker.modem.pdu import decode_status_report, encode_submit
from otpbroker.modem.sim import ModemBank, ModemProfile, SimModem, luhn_valid

VECTOR = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"  # +46708251358 "hellohello"
FINAL = re.compile(rb"(\r\n(OK|ERROR|\+CM[ES] ERROR: [^\r\n]*|CONNECT|NO CARRIER)\r\n|\r\n> )\Z")
ROOT = Path(__file__).resolve().parents[2]


def read_until(port: serial.Serial, ends: tuple[bytes, ...] = (), timeout: float = 3) -> bytes:
    """Read until a final result code / prompt (or one of ``ends``) ends the buffer."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data += port.read(port.in_waiting or 1)
        if any(data.endswith(end) for end in ends) if ends else FINAL.search(data):
            break
    return data


def chat(port: serial.Serial, command: str, timeout: float = 3) -> bytes:
    port.write(command.encode() + b"\r")
    return read_until(port, timeout=timeout)


def send(port: serial.Serial, pdu: str, length: int | None = None, timeout: float = 3) -> bytes:
    if length is None:
        length = len(pdu) // 2 - 1 - int(pdu[:2], 16)
    assert chat(port, f"AT+CMGS={length}").endswith(b"\r\n> ")
    port.write(pdu.encode() + b"\x1a")
    return read_until(port, timeout=timeout)


@pytest.fixture
def modem(tmp_path: Path) -> Iterator[SimModem]:
    sim = SimModem(ModemProfile(seed=1), link_dir=tmp_path / "by-id").start()
    yield sim
    sim.stop()


@pytest.fixture
def port(modem: SimModem) -> Iterator[serial.Serial]:
    with serial.Serial(modem.port, timeout=0.1) as ser:
        assert chat(ser, "ATE0").endswith(b"\r\nOK\r\n")
        yield ser


def test_pyserial_talks_to_the_pty(modem: SimModem) -> None:
    assert modem.path is not None and modem.path.startswith("/dev/")
    assert modem.link is not None and os.readlink(modem.link) == modem.path
    with serial.Serial(modem.port, timeout=0.1) as ser:
        assert chat(ser, "AT") == b"AT\r\r\nOK\r\n"  # echo is on at power-up
        assert chat(ser, "ATE0") == b"ATE0\r\r\nOK\r\n"
        assert chat(ser, "AT+CGSN") == b"\r\n490154203237518\r\n\r\nOK\r\n"
    with serial.Serial(modem.path, timeout=0.1) as ser:  # close and reopen: still there
        assert chat(ser, "AT+CIMI") == b"\r\n510101234567890\r\n\r\nOK\r\n"


def test_send_vector_is_delivered(modem: SimModem, port: serial.Serial) -> None:
    assert send(port, VECTOR, 23) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    (delivery,) = modem.wait_for_deliveries(1, timeout=2)
    assert (delivery.modem, delivery.to, delivery.text) == (
        modem.imei,
        "+46708251358",
        "hellohello",
    )
    assert (delivery.parts, delivery.encoding) == (1, "gsm7")


def test_echo_of_the_pdu(modem: SimModem) -> None:
    with serial.Serial(modem.port, timeout=0.1) as ser:
        ser.write(b"AT+CMGS=23\r")
        assert read_until(ser) == b"AT+CMGS=23\r\r\n> "
        ser.write(VECTOR.encode() + b"\x1a")
        assert read_until(ser) == VECTOR.encode() + b"\x1a\r\n+CMGS: 0\r\n\r\nOK\r\n"


def test_multipart_and_status_report(modem: SimModem, port: serial.Serial) -> None:
    assert chat(port, "AT+CNMI=2,1,0,1,0").endswith(b"OK\r\n")
    pdus = encode_submit("+15125551234", "Kode OTP 123456 " * 12, reference=3, status_report=True)
    assert len(pdus) == 2
    for index, pdu in enumerate(pdus):
        assert f"+CMGS: {index}".encode() in send(port, pdu.hex, pdu.tpdu_length)
        cds = read_until(port, ends=(b"\r\n",), timeout=1)
        while cds.count(b"\r\n") < 3:
            cds += read_until(port, ends=(b"\r\n",), timeout=1)
        head, pdu_line = [x for x in cds.decode().split("\r\n") if x]
        assert head.startswith("+CDS: ")
        assert decode_status_report(pdu_line).message_ref == index
    (delivery,) = modem.wait_for_deliveries(1, timeout=2)
    assert (delivery.text, delivery.parts) == ("Kode OTP 123456 " * 12, 2)


def test_send_delay_and_interrupt_by_unplug(tmp_path: Path) -> None:
    sim = SimModem(ModemProfile(send_delay=0.4, prompt_delay=0.2)).start()
    try:
        with serial.Serial(sim.port, timeout=0.1) as ser:
            chat(ser, "ATE0")
            started = time.monotonic()
            assert b"+CMGS: 0" in send(ser, VECTOR)
            assert time.monotonic() - started >= 0.6
        sim.stop()
        sim = SimModem(ModemProfile(send_delay=30)).start()
        with serial.Serial(sim.port, timeout=0.1) as ser:
            chat(ser, "ATE0")
            assert chat(ser, "AT+CMGS=23").endswith(b"> ")
            ser.write(VECTOR.encode() + b"\x1a")
            time.sleep(0.2)
            started = time.monotonic()
            sim.unplug()
            assert time.monotonic() - started < 2
            assert sim.deliveries == []
    finally:
        sim.stop()


def test_wrong_length_is_cms_304(port: serial.Serial) -> None:
    chat(port, "AT+CMEE=1")
    assert send(port, VECTOR, 22).endswith(b"\r\n+CMS ERROR: 304\r\n")


def test_data_mode_and_escape(port: serial.Serial) -> None:
    assert chat(port, "ATD*99#") == b"\r\nCONNECT\r\n"
    port.write(b"\x7e\xff\x7d\x23AT\r")
    assert port.read(50) == b""
    time.sleep(0.3)  # guard time before +++
    port.write(b"+++")
    assert read_until(port) == b"\r\nOK\r\n"
    assert chat(port, "ATH") == b"\r\nOK\r\n"


# ---- faults --------------------------------------------------------------------------------


def test_cms_error_fault(modem: SimModem, port: serial.Serial) -> None:
    chat(port, "AT+CMEE=1")
    modem.inject("cms-error", code=500, count=1)
    assert send(port, VECTOR).endswith(b"\r\n+CMS ERROR: 500\r\n")
    assert b"+CMGS: 0" in send(port, VECTOR)
    assert len(modem.wait_for_deliveries(1, timeout=2)) == 1


def test_wedge_fault(modem: SimModem, port: serial.Serial) -> None:
    modem.inject("wedge")
    port.write(b"AT\r")
    assert port.read(100) == b""
    time.sleep(0.2)
    assert port.read(100) == b""
    modem.clear_faults()
    assert chat(port, "AT") == b"\r\nOK\r\n"


def test_garbage_fault(modem: SimModem, port: serial.Serial) -> None:
    modem.inject("garbage", count=64)
    junk = read_until(port, ends=(b"\r\n",), timeout=1)
    while junk.count(b"\r\n") < 2:
        junk += read_until(port, ends=(b"\r\n",), timeout=1)
    assert len(junk) == 68
    with pytest.raises(UnicodeDecodeError):
        junk.decode("utf-8")
    reply = chat(port, "AT+CSQ")
    assert reply.startswith(b"\r\n+CSQ: ") and reply.endswith(b"\r\n\r\nOK\r\n")
    assert len(reply) > 64
    assert chat(port, "AT") == b"\r\nOK\r\n"


def test_slow_prompt_fault(modem: SimModem, port: serial.Serial) -> None:
    modem.inject("slow-prompt", seconds=0.5)
    started = time.monotonic()
    assert chat(port, "AT+CMGS=23").endswith(b"> ")
    assert time.monotonic() - started >= 0.5
    port.write(b"\x1b")
    assert read_until(port) == b"\r\nOK\r\n"
    started = time.monotonic()
    assert chat(port, "AT+CMGS=23").endswith(b"> ")
    assert time.monotonic() - started < 0.4
    port.write(b"\x1b")
    read_until(port)


def test_no_result_fault(modem: SimModem, port: serial.Serial) -> None:
    modem.inject("no-result")
    assert chat(port, "AT+CMGS=23").endswith(b"> ")
    port.write(VECTOR.encode() + b"\x1a")
    assert read_until(port, timeout=0.5) == b""
    assert chat(port, "AT") == b"\r\nOK\r\n"
    assert len(modem.wait_for_deliveries(1, timeout=1)) == 1


def test_random_unsolicited_lines(tmp_path: Path) -> None:
    sim = SimModem(ModemProfile(urc_interval=0.03, seed=5)).start()
    with sim, serial.Serial(sim.port, timeout=0.1) as ser:
        time.sleep(0.5)
        data = ser.read(ser.in_waiting or 1)
    lines = [x for x in data.decode().split("\r\n") if x]
    assert len(lines) >= 3
    assert all(line.startswith(("^", "+CREG: ")) for line in lines)
    assert "RING" not in lines


def test_unplug_and_replug(modem: SimModem) -> None:
    link = modem.link
    assert link is not None
    ser = serial.Serial(str(link), timeout=0.2)
    chat(ser, "ATE0")
    chat(ser, "AT+CMEE=1")
    modem.unplug()
    assert not modem.plugged and not link.exists() and not os.path.lexists(link)
    with pytest.raises(serial.SerialException):
        ser.write(b"AT\r")
        ser.read(10)
    ser.close()
    new_path = modem.replug()
    assert os.readlink(link) == new_path == modem.path
    with serial.Serial(str(link), timeout=0.1) as again:
        assert chat(again, "AT") == b"AT\r\r\nOK\r\n"  # power cycle: echo on again
        assert chat(again, "AT+CMEE?").startswith(b"AT+CMEE?\r\r\n+CMEE: 0")


def test_replug_locks_the_sim_again(tmp_path: Path) -> None:
    with SimModem(ModemProfile(pin="1234"), link_dir=tmp_path) as sim:
        with serial.Serial(sim.port, timeout=0.1) as ser:
            chat(ser, "ATE0")
            assert chat(ser, 'AT+CPIN="1234"') == b"\r\nOK\r\n"
            assert b"READY" in chat(ser, "AT+CPIN?")
        sim.replug()
        with serial.Serial(sim.port, timeout=0.1) as ser:
            chat(ser, "ATE0")
            assert b"+CPIN: SIM PIN" in chat(ser, "AT+CPIN?")
    assert not (tmp_path / sim.imei).exists()


# ---- bank, control socket, CLI -------------------------------------------------------------


def control(path: Path, *requests: object) -> list[dict[str, object]]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        answers = []
        reader = sock.makefile("rb")
        for request in requests:
            raw = request if isinstance(request, bytes) else json.dumps(request).encode()
            sock.sendall(raw + b"\n")
            answers.append(json.loads(reader.readline()))
        return answers


def test_bank_with_control_socket(tmp_path: Path) -> None:
    sock = tmp_path / "control.sock"
    deliveries = tmp_path / "deliveries.jsonl"
    bank = ModemBank(2, seed=7, control_path=sock, deliveries_path=deliveries, link_dir=tmp_path)
    with bank:
        first, second = bank.modems
        assert first.imei != second.imei and bank[second.imei] is second
        answers = control(
            sock,
            {"modem": 0, "action": "inject", "kind": "cms-error", "code": 500},
            b"{not json",
            [1, 2],
            {"modem": 9, "action": "unplug"},
            {"modem": 0, "action": "inject", "kind": "explode"},
            {"action": "dance"},
            {"modem": second.imei, "action": "unplug"},
        )
        assert answers[0]["ok"] is True
        assert [a["ok"] for a in answers[1:6]] == [False] * 5
        assert all(a["error"] for a in answers[1:6])
        assert answers[6]["ok"] is True and not second.plugged
        with serial.Serial(first.port, timeout=0.1) as ser:
            chat(ser, "ATE0;+CMEE=1")
            assert b"+CMS ERROR: 500" in send(ser, VECTOR)
            assert b"+CMGS:" in send(ser, VECTOR)
        (replug,) = control(sock, {"modem": second.imei, "action": "replug"})
        assert replug["ok"] is True and second.plugged
        bank.wait_for_deliveries(1, timeout=2)
        [part] = first.log.parts
        (listing,) = control(sock, {"action": "deliveries"})
        assert listing == {
            "ok": True,
            "deliveries": [
                {
                    "modem": first.imei,
                    "to": "+46708251358",
                    "text": "hellohello",
                    "parts": 1,
                    "encoding": "gsm7",
                    "smsc_seconds": round(part.smsc_seconds, 3),
                    "part_smsc_seconds": [round(part.smsc_seconds, 3)],
                }
            ],
        }
    assert not sock.exists()
    assert json.loads(deliveries.read_text())["text"] == "hellohello"


def _cli_command() -> list[str]:
    """``otp-broker modem-sim`` if the full CLI imports, else a harness calling our ``run``."""
    probe = subprocess.run(
        [sys.executable, "-c", "import otpbroker.cli; otpbroker.cli.build_parser()"],
        capture_output=True,
        check=False,
    )
    if probe.returncode == 0:
        return [str(ROOT / ".venv/bin/otp-broker"), "modem-sim"]
    harness = (
        "import argparse, sys\n"
        "from otpbroker.modem.sim.command import register\n"
        "p = argparse.ArgumentParser(); s = p.add_subparsers(); register(s)\n"
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))\n"
    )
    return [sys.executable, "-c", harness, "modem-sim"]


def test_cli_runs_until_sigterm(tmp_path: Path) -> None:
    links = tmp_path / "by-id"
    deliveries = tmp_path / "deliveries.jsonl"
    argv = [
        *_cli_command(),
        "--count=2",
        "--delay=0.05",
        f"--link-dir={links}",
        f"--deliveries={deliveries}",
        f"--control={tmp_path / 'ctl.sock'}",
        "--fault=cms-error:330",
        "--seed=4",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        rows = [proc.stdout.readline().split() for _ in range(2)]
        assert all(len(row) == 4 for row in rows), rows
        (path, imei, imsi, msisdn), other = rows
        assert luhn_valid(imei) and imsi.startswith("51010") and msisdn.startswith("+62811")
        assert imei != other[1]
        assert os.readlink(links / imei) == path
        with serial.Serial(path, timeout=0.1) as ser:
            chat(ser, "ATE0;+CMEE=1")
            assert b"+CMS ERROR: 330" in send(ser, VECTOR)  # --fault applies at start
            assert b"+CMGS: 0" in send(ser, VECTOR)
        deadline = time.monotonic() + 3
        while not deliveries.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(deliveries.read_text())["modem"] == imei
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert not list(links.iterdir())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
