"""Data calls: the rendered chat script, run by the real ``chat`` on the emulator's pty."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import serial
from test_sim_pty import VECTOR, chat, read_until, send

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.sim import Mode, ModemProfile, SimModem
from otpbroker.system.render_ppp import PppLink, render_chat

from modem_waits import wait_ready, wait_until

CHAT = shutil.which("chat") or "/usr/sbin/chat"
CHAT_CONNECTED = 0
CHAT_NO_CARRIER = 5  # 4 + index of "NO CARRIER" in the ABORT list
CHAT_ERROR = 6


def run_chat(port: str, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``chat -v -s -f SCRIPT`` with stdin and stdout on ``port``, as pppd does."""
    if not os.path.exists(CHAT):
        pytest.fail("chat is not installed (apt-get install ppp)")
    path = tmp_path / "chat"
    path.write_text(script)
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    try:
        return subprocess.run(
            [CHAT, "-v", "-s", "-f", str(path)],
            stdin=fd,
            stdout=fd,
            stderr=subprocess.PIPE,
            text=True,
            timeout=90,
            check=False,
        )
    finally:
        os.close(fd)


def script(**changes: object) -> str:
    values: dict[str, object] = {"name": "ppp-test", "device": "/dev/ttyUSB0", "speed": 115200}
    values.update({"apn": "internet", **changes})
    return render_chat(PppLink(**values))  # type: ignore[arg-type]


def leave_data_mode(ser: serial.Serial, guard: float) -> bytes:
    time.sleep(guard + 0.1)
    ser.write(b"+++")
    return read_until(ser, timeout=guard + 3)


def test_chat_connects_then_escape_hang_up_and_sms_work(tmp_path):
    sim = SimModem(ModemProfile(accepted_apns=("internet",), seed=3)).start()
    try:
        done = run_chat(sim.port, script(init=("AT+CFUN=1",)), tmp_path)
        assert done.returncode == CHAT_CONNECTED, done.stderr
        assert "CONNECT" in done.stderr
        assert sim.dialogue.mode is Mode.DATA
        assert sim.dialogue.state.contexts == {1: "internet"}
        with serial.Serial(sim.port, timeout=0.1) as ser:
            ser.write(b"AT\r")  # data mode: the modem swallows it, like PPP frames
            assert read_until(ser, timeout=0.5) == b""
            assert leave_data_mode(ser, sim.profile.escape_guard).endswith(b"\r\nOK\r\n")
            assert chat(ser, "ATH").endswith(b"\r\nOK\r\n")
            assert sim.dialogue.state.in_call is False
            assert chat(ser, "ATO").endswith(b"\r\nNO CARRIER\r\n")
            assert send(ser, VECTOR, 23).endswith(b"\r\nOK\r\n")
        (delivery,) = sim.wait_for_deliveries(1)
        assert delivery.text == "hellohello"
    finally:
        sim.stop()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"apn": "wrongapn"}, CHAT_NO_CARRIER),
        ({"dial_number": "#777"}, CHAT_NO_CARRIER),
        ({"dial_number": "*99***3#"}, CHAT_NO_CARRIER),  # context 3 was never defined
        ({"init": ("AT+NOSUCH",)}, CHAT_ERROR),
    ],
)
def test_chat_fails_with_the_abort_exit_code(tmp_path, changes, expected):
    with SimModem(ModemProfile(accepted_apns=("internet",))) as sim:
        done = run_chat(sim.port, script(**changes), tmp_path)
        assert done.returncode == expected, done.stderr
        assert sim.dialogue.mode is Mode.COMMAND
        assert sim.dialogue.state.in_call is False


@pytest.mark.parametrize("dial", ["ATD*99#", "ATDT*99#", "ATD*99***1#", "ATDP*99**PPP*1#"])
def test_dial_forms_connect(dial):
    with SimModem(ModemProfile(seed=1)) as sim, serial.Serial(sim.port, timeout=0.1) as ser:
        chat(ser, "ATE0")
        assert chat(ser, 'AT+CGDCONT=1,"IP","internet"').endswith(b"\r\nOK\r\n")
        assert b'+CGDCONT: 1,"IP","internet"' in chat(ser, "AT+CGDCONT?")
        assert chat(ser, dial).endswith(b"\r\nCONNECT\r\n")


def test_network_hang_up_gives_no_carrier(tmp_path):
    with SimModem() as sim:
        assert run_chat(sim.port, script(), tmp_path).returncode == CHAT_CONNECTED
        with serial.Serial(sim.port, timeout=0.1) as ser:
            sim.hang_up()
            assert read_until(ser, timeout=2).endswith(b"\r\nNO CARRIER\r\n")
            assert sim.dialogue.mode is Mode.COMMAND
            assert chat(ser, "AT").endswith(b"\r\nOK\r\n")


def test_second_port_dials_while_sms_goes_through_the_at_port(tmp_path, make_worker):
    sim = SimModem(ModemProfile(data_port=True), link_dir=tmp_path / "by-id").start()
    try:
        data = sim.data_port
        assert data is not None and data.path is not None and data.path != sim.path
        assert data.link == tmp_path / "by-id" / f"{sim.imei}-data"
        worker = make_worker(sim.port)
        wait_ready(worker)
        done = run_chat(data.port, script(), tmp_path)
        assert done.returncode == CHAT_CONNECTED, done.stderr
        assert data.dialogue.mode is Mode.DATA and sim.dialogue.mode is Mode.COMMAND
        result = worker.submit_sms(encode_sms("+628126666666", "Kode OTP 123456")).result(
            timeout=20
        )
        assert result.outcome is SendOutcome.SENT, result
        (delivery,) = sim.wait_for_deliveries(1)
        assert (delivery.modem, delivery.text) == (sim.imei, "Kode OTP 123456")
        assert data.dialogue.mode is Mode.DATA  # the call was not disturbed
        with serial.Serial(data.port, timeout=0.1) as ser:
            # ATH on the AT port ends the call: the data port reports NO CARRIER.
            sim.hang_up()
            assert read_until(ser, timeout=2).endswith(b"\r\nNO CARRIER\r\n")
        sim.replug()
        assert wait_until(lambda: data.plugged and data.dialogue.state is sim.dialogue.state, 2)
    finally:
        sim.stop()
    assert not data.plugged
