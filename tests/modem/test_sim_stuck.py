"""Faults only a restart cures: ``stuck`` (the SIM and SMS stack hangs while ``AT`` still
answers) and ``hang`` (nothing comes back, yet ``AT+CFUN=1,1`` still restarts the modem);
``wedge`` stays the case nothing cures but a power cycle from outside."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from sim_talk import ask, dialogue
from test_sim_conditions import submit
from test_sim_pty import VECTOR, chat, read_until, send
from waiting import wait_until

from otpbroker.modem.sim import SimModem, parse_fault, personality_profile
from otpbroker.modem.sim.faults import Faults
from otpbroker.modem.sim.personalities import NAMES
from otpbroker.modem.sim.steps import Reboot

PIN_TRIES = {
    "generic": 'AT+CPINR="SIM PIN"', "huawei-e3131": "AT^CPIN?", "zte-mf667": None,
    "quectel-ec25": "AT+QPINC?", "simcom-sim7600": "AT+SPIC", "simcom-sim800": "AT+SPIC",
}  # fmt: skip
"""Each personality's own PIN-tries read (ZTE's is a test command, which still lists)."""


@pytest.mark.parametrize("name", NAMES)
def test_a_stuck_modem_answers_at_but_its_sim_and_sms_stack_are_busy(name: str) -> None:
    modem = dialogue(name)
    ask(modem, "AT+CMEE=1")
    modem.inject("stuck")
    assert ask(modem, "AT") == ["OK"]
    assert ask(modem, "AT+CGSN")[-1] == "OK" and ask(modem, "AT+CSQ")[-1] == "OK"
    assert ask(modem, "AT+CREG?")[0].startswith("+CREG: 0,")  # the radio side lives on
    for command in ("AT+CPIN?", "AT+CIMI", "AT+CNUM", PIN_TRIES[name]):
        if command is not None:
            assert ask(modem, command) == ["+CME ERROR: 14"], command
    for command in ("AT+CPMS?", "AT+CMGL=4", "AT+CSCA?", "AT+CMGS=23"):
        assert ask(modem, command) == ["+CMS ERROR: 314"], command
    assert ask(modem, "AT+CMGF=0;+CNMI=2,1,0,0,0") == ["OK"]  # settings of the TA itself
    assert ask(modem, "AT+CMGS=?")[-1] == "OK"  # test commands still list
    ask(modem, "AT+CFUN=4;+CFUN=1;Z;E0;+CMEE=1")  # no cure but a restart
    assert ask(modem, "AT+CPIN?") == ["+CME ERROR: 14"]
    assert modem.faults.active() == ["stuck"]


def test_a_stuck_modem_can_answer_500_and_keeps_refusing_what_it_lacks() -> None:
    modem = dialogue("quectel-ec25")
    ask(modem, "AT+CMEE=1")
    modem.inject("stuck", code=500)
    assert ask(modem, "AT+CMGS=23") == ["+CMS ERROR: 500"]
    assert ask(modem, "AT+CPINR") == ["ERROR"]  # Quectel has no +CPINR, stuck or not
    modem.clear_faults()
    assert ask(modem, "AT+CPIN?") == ["+CPIN: READY", "OK"] and submit(modem)[2]


def test_a_restart_cures_a_stuck_modem() -> None:
    modem = dialogue("simcom-sim7600")
    modem.inject("stuck")
    steps = modem.feed(b"AT+CFUN=1,1\r")
    assert any(isinstance(step, Reboot) for step in steps)  # it still acts on the reset
    modem.power_on()  # what the device does once it is back
    ask(modem, "ATE0;+CMEE=1")
    assert ask(modem, "AT+CPIN?") == ["+CPIN: READY", "OK"] and modem.faults.active() == []
    assert submit(modem)[2]


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("stuck", ("stuck", {})), ("stuck:500", ("stuck", {"code": 500})), ("hang", ("hang", {}))],
)
def test_stuck_and_hang_spellings(spec: str, parsed: tuple[str, dict[str, int]]) -> None:
    assert parse_fault(spec) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("stuck:x", "fault stuck:CODE wants a whole number from 1 to 511, not 'x'"),
        ("stuck:0", "fault stuck:CODE wants 1 to 511, not '0'"),
        ("stuck:512", "fault stuck:CODE wants 1 to 511, not '512'"),
        ("hang:2", "fault hang takes no parameter"),
    ],
)
def test_bad_stuck_and_hang_spellings_are_refused_precisely(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_fault(spec)
    with pytest.raises(ValueError, match="wants 1 to 511"):
        Faults().arm("stuck", random.Random(1), code=600)


# ---- on a real pty ---------------------------------------------------------------------------


@pytest.fixture
def stick(tmp_path: Path) -> Iterator[SimModem]:
    """A USB stick (it leaves the bus on a restart) behind a stable link."""
    profile = personality_profile("quectel-ec25", realistic=False, seed=2,
                                  reboot_time=0.2, boot_delay=0.1)  # fmt: skip
    sim = SimModem(profile, link_dir=tmp_path / "by-id").start()
    yield sim
    sim.stop()


def reopen(sim: SimModem, timeout: float = 10.0) -> serial.Serial:
    """Open the stick's link once it is back, after its start-up lines."""
    opened: list[serial.Serial] = []

    def opens() -> bool:
        try:
            opened.append(serial.Serial(sim.port, timeout=0.1))
        except (OSError, serial.SerialException, RuntimeError):
            return False
        return True

    assert wait_until(opens, timeout, step=0.05), f"{sim} did not come back"
    [port] = opened
    read_until(port, ends=(b"+QIND: PB DONE\r\n",), timeout=3)
    return port


def restart_through(port: serial.Serial, sim: SimModem, *, answers: bool) -> bytes:
    """Write ``AT+CFUN=1,1``, read its answer if one ``answers``, and wait until the stick
    left the bus; returns what it answered."""
    old = sim.path
    port.write(b"AT+CFUN=1,1\r")
    answer = read_until(port) if answers else b""
    port.close()
    assert wait_until(lambda: sim.path != old, 5), "the stick never left the bus"
    return answer


def test_stuck_survives_a_reopen_of_the_port_and_a_reboot_cures_it(stick: SimModem) -> None:
    with serial.Serial(stick.port, timeout=0.1) as port:
        chat(port, "ATE0;+CMEE=1")
        stick.inject("stuck")
        assert chat(port, "AT+CPIN?").endswith(b"+CME ERROR: 14\r\n")
    with serial.Serial(stick.port, timeout=0.1) as port:  # the driver's first rung
        chat(port, "ATE0")
        assert chat(port, "AT+CPIN?").endswith(b"+CME ERROR: 14\r\n")
        assert chat(port, "AT+CMGS=23").endswith(b"+CMS ERROR: 314\r\n")
        assert restart_through(port, stick, answers=True).endswith(b"OK\r\n")
    with reopen(stick) as port:
        chat(port, "ATE0;+CMEE=1")
        assert chat(port, "AT+CPIN?").endswith(b"+CPIN: READY\r\n\r\nOK\r\n")
        assert b"+CMGS: " in send(port, VECTOR)
    assert stick.dialogue.faults.active() == []
    assert [d.text for d in stick.wait_for_deliveries(1)] == ["hellohello"]


def test_a_hung_modem_answers_nothing_but_restarts_on_a_blind_reset(stick: SimModem) -> None:
    with serial.Serial(stick.port, timeout=0.1) as port:
        chat(port, "ATE0")
        stick.inject("hang")
        assert chat(port, "AT", timeout=0.5) == b""
        assert chat(port, "AT+CSQ", timeout=0.5) == b""
        restart_through(port, stick, answers=False)
    with reopen(stick) as port:
        assert chat(port, "ATE0").endswith(b"OK\r\n")
        assert chat(port, "AT+CSQ").endswith(b"OK\r\n")
        assert b"+CMGS: " in send(port, VECTOR)
    assert [d.text for d in stick.wait_for_deliveries(1)] == ["hellohello"]


def test_a_wedged_modem_ignores_the_reset_too(stick: SimModem) -> None:
    with serial.Serial(stick.port, timeout=0.1) as port:
        path = stick.path
        stick.inject("wedge")
        port.write(b"AT+CFUN=1,1\r")
        assert read_until(port, timeout=1.0) == b""
        assert stick.path == path and stick.plugged  # it never left the bus
        stick.inject("unwedge")
        assert chat(port, "AT").endswith(b"OK\r\n")
