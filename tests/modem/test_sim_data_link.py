"""The emulator's pluggable operator side of a data call (``modem/sim/data_link.py``): after
``CONNECT`` the byte stream is relayed to a real process on a pty of its own, both ways;
that process ending, the client's hang-up and unplugging each end the call."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import serial
from test_sim_pty import VECTOR, chat, read_until, send

from otpbroker.modem.sim import Mode, ModemProfile, SimModem
from otpbroker.modem.sim.data_link import PtyPeer

# The "operator": answers each chunk with "op:" + the chunk, exits on "BYE".
PEER = """\
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
while True:
    data = os.read(fd, 1024)
    if not data or b"BYE" in data:
        break
    os.write(fd, b"op:" + data)
"""


class Peers:
    """A network that starts the peer above for each call and remembers them."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.started: list[PtyPeer] = []

    def __call__(self, deliver: Callable[[bytes], None], ended: Callable[[], None]) -> PtyPeer:
        peer = PtyPeer(lambda tty: [sys.executable, str(self.script), tty], deliver, ended)
        self.started.append(peer)
        return peer


def wait_until(check: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def peers(tmp_path: Path) -> Peers:
    script = tmp_path / "peer.py"
    script.write_text(PEER)
    return Peers(script)


def dial(ser: serial.Serial) -> None:
    chat(ser, "ATE0")
    assert chat(ser, 'AT+CGDCONT=1,"IP","internet"').endswith(b"\r\nOK\r\n")
    assert chat(ser, "ATD*99#").endswith(b"\r\nCONNECT\r\n")


def test_bytes_flow_both_ways_and_the_operator_ending_gives_no_carrier(peers):
    with (
        SimModem(ModemProfile(seed=2), network=peers) as sim,
        serial.Serial(sim.port, timeout=0.1) as ser,
    ):
        dial(ser)
        ser.write(b"\x7e\xff\x03frame\x7e")
        assert read_until(ser, (b"frame\x7e",)) == b"op:\x7e\xff\x03frame\x7e"
        ser.write(b"BYE")
        assert read_until(ser, (b"NO CARRIER\r\n",)).endswith(b"\r\nNO CARRIER\r\n")
        assert sim.dialogue.mode is Mode.COMMAND
        assert sim.dialogue.state.in_call is False
        assert send(ser, VECTOR, 23).endswith(b"\r\nOK\r\n")
        assert len(peers.started) == 1
        assert peers.started[0].process.poll() is not None
        dial(ser)  # a new call gets a new operator side
        assert wait_until(lambda: len(peers.started) == 2)


def test_escape_and_hang_up_end_the_operator_side(peers):
    profile = ModemProfile(seed=4)
    with SimModem(profile, network=peers) as sim, serial.Serial(sim.port, timeout=0.1) as ser:
        dial(ser)
        ser.write(b"ping")
        assert read_until(ser, (b"ping",)) == b"op:ping"
        time.sleep(profile.escape_guard + 0.1)
        ser.write(b"+++")
        assert read_until(ser, timeout=profile.escape_guard + 3).endswith(b"\r\nOK\r\n")
        (peer,) = peers.started
        assert peer.process.poll() is None  # escaped, not hung up: ATO could go back
        assert chat(ser, "ATH").endswith(b"\r\nOK\r\n")
        assert wait_until(lambda: peer.process.poll() is not None)


def test_unplugging_ends_the_operator_side(peers):
    sim = SimModem(ModemProfile(seed=6), network=peers).start()
    try:
        with serial.Serial(sim.port, timeout=0.1) as ser:
            dial(ser)
        assert wait_until(lambda: len(peers.started) == 1)
        (peer,) = peers.started
        sim.unplug()
        assert wait_until(lambda: peer.process.poll() is not None)
    finally:
        sim.stop()


def test_without_a_network_data_mode_swallows_bytes_as_before():
    with SimModem(ModemProfile(seed=8)) as sim, serial.Serial(sim.port, timeout=0.1) as ser:
        dial(ser)
        ser.write(b"\x7e\xff\x03frame\x7e")
        assert read_until(ser, timeout=0.5) == b""
        assert sim.dialogue.mode is Mode.DATA
