"""Personalities over time: reboot and start-up lines, noise and its silencing, PIN
retries down to the PUK, realistic timing, the SIM's message store."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import serial
from sim_talk import ask, dialogue, profile
from test_sim_pty import VECTOR, chat, read_until, send

from otpbroker.modem.sim import (
    PERSONALITY_NAMES,
    Dialogue,
    SimModem,
    StoredSms,
    personality,
    personality_profile,
)
from otpbroker.modem.sim.steps import Later, Pause

from modem_waits import wait_until

STARTUP = {
    "quectel-ec25": "RDY|+CFUN: 1|+CPIN: READY|+QUSIM: 1|+QIND: SMS DONE|+QIND: PB DONE",
    "simcom-sim7600": "RDY|+CPIN: READY|SMS DONE|PB DONE",
    "simcom-sim800": "RDY|+CFUN: 1|+CPIN: READY|Call Ready|SMS Ready",
    "huawei-e3131": "^SIMST: 1|^SRVST: 2",
    "zte-mf667": '+ZUSIMR:2|+ZPASR: "UMTS"',
}


def lines_of(data: bytes) -> list[str]:
    return [x for x in data.decode("utf-8", "replace").split("\r\n") if x]


def read_lines(port: serial.Serial, want: int, timeout: float = 5.0) -> list[str]:
    data, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline and len(lines_of(data)) < want:
        data += port.read(port.in_waiting or 1)
    return lines_of(data)


@pytest.mark.parametrize("name", ["quectel-ec25", "huawei-e3131", "simcom-sim7600"])
def test_cfun_reset_replugs_a_usb_stick_which_prints_its_startup_lines(name, tmp_path):
    fields = {"boot_delay": 1.0, "reboot_time": 0.2}
    sim = SimModem(profile(name, **fields), link_dir=tmp_path / "by-id").start()
    try:
        link = sim.port
        with serial.Serial(link, timeout=0.1) as port:
            chat(port, "ATE0;+CMEE=1")
            assert chat(port, "AT+CFUN=1,1").endswith(b"\r\nOK\r\n")
            assert wait_until(lambda: not sim.plugged, 5)
        assert wait_until(lambda: sim.plugged and os.path.exists(link), 5)
        assert os.readlink(link) == sim.path  # a new pty (maybe reusing the number): followed
        with serial.Serial(link, timeout=0.1) as port:
            expected = STARTUP[name].split("|")
            assert read_lines(port, len(expected)) == expected
            assert chat(port, "AT+CMEE?").startswith(b"AT+CMEE?\r\r\n+CMEE: 0")  # settings reset
    finally:
        sim.stop()


def test_sim800_restarts_on_the_same_uart_port(tmp_path):
    sim = SimModem(profile("simcom-sim800", boot_delay=0.3), link_dir=tmp_path / "by-id").start()
    try:
        path = sim.path
        with serial.Serial(sim.port, timeout=0.1) as port:
            chat(port, "ATE0")
            assert chat(port, "AT+CFUN=1,1") == b"\r\nOK\r\n"
            expected = STARTUP["simcom-sim800"].split("|")
            assert read_lines(port, len(expected)) == expected
            assert chat(port, "AT") == b"AT\r\r\nOK\r\n"  # echo is on again
        assert sim.path == path
    finally:
        sim.stop()


def test_startup_lines_follow_the_sim():
    modem = Dialogue(profile("quectel-ec25", conditions=("pin:2",)))
    assert modem.startup_lines() == ["RDY", "+CFUN: 1", "+CPIN: SIM PIN"]
    ask(modem, "ATE0")
    steps = modem.feed(b'AT+CPIN="1234"\r')
    later = [s for s in steps if isinstance(s, Later)]
    assert later and b"+QIND: SMS DONE" in later[0].data  # once the SIM is ready
    no_sim = Dialogue(profile("simcom-sim800", conditions=("no-sim",)))
    assert no_sim.startup_lines() == ["RDY", "+CFUN: 1", "+CPIN: NOT INSERTED"]


SILENCE = {
    "huawei-e3131": ("AT^CURC=0", r"\^(RSSI|MODE|DSFLOWRPT|BOOT|SRVST):"),
    "quectel-ec25": ('AT+QINDCFG="all",0', r'\+QIND: "(csq|act)"'),
    "simcom-sim7600": ("AT+AUTOCSQ=0,0;+CNSMOD=0", r"\+(CSQ|CNSMOD): "),
    "simcom-sim800": ('AT+EXUNSOL="SQ",0', r"\+CSQN: "),
    "zte-mf667": ("AT+CPMS?", r"\+ZUSIMR:2"),
}


def noise(modem: Dialogue, count: int = 60) -> list[str]:
    return [line for _ in range(count) for line in lines_of(modem.unsolicited() or b"")]


@pytest.mark.parametrize("name", sorted(SILENCE))
def test_vendor_noise_stops_after_the_vendor_command(name):
    modem = dialogue(name)
    command, pattern = SILENCE[name]
    before = noise(modem)
    assert before and all(re.match(pattern, x) for x in before if not x.startswith("+ZPASR"))
    assert ask(modem, command)[-1] == "OK"
    assert personality(name).silencers[0].startswith(command.split(";")[0])
    after = noise(modem)
    assert not [x for x in after if re.match(pattern, x)], after
    if name == "zte-mf667":  # +ZPASR has no switch: clients must ignore it
        assert after and all(x.startswith("+ZPASR:") for x in after)
    else:
        assert after == []
    modem.power_on()  # the switches do not survive a power cycle
    assert noise(modem)


def test_noise_arrives_on_the_port_and_stops(tmp_path):
    fields = {"urc_interval": 0.02}
    with (
        SimModem(profile("huawei-e3131", **fields)) as sim,
        serial.Serial(sim.port, timeout=0.1) as port,
    ):
        time.sleep(0.4)
        assert any(x.startswith("^") for x in lines_of(port.read(port.in_waiting or 1)))
        port.write(b"ATE0;^CURC=0\r")
        assert b"OK" in read_until(port, (b"OK\r\n",))
        time.sleep(0.1)
        port.reset_input_buffer()
        time.sleep(0.4)
        assert port.read(port.in_waiting or 1) == b""


RETRIES = {
    "generic": ('AT+CPINR="SIM PIN";+CPINR="SIM PUK"', lambda pin, puk: f"+CPINR: SIM PIN,{pin},3|+CPINR: SIM PUK,{puk},10"),
    "huawei-e3131": ("AT^CPIN?", None),
    "zte-mf667": ("AT+ZPINPUK=?", lambda pin, puk: f"+ZPINPUK: {pin},{puk}"),
    "quectel-ec25": ('AT+QPINC="SC"', lambda pin, puk: f'+QPINC: "SC",{pin},{puk}'),
    "simcom-sim7600": ("AT+SPIC", lambda pin, puk: f"+SPIC: {pin},{puk},3,10"),
    "simcom-sim800": ("AT+SPIC", lambda pin, puk: f"+SPIC: {pin},3,{puk},10"),
}  # fmt: skip


def tries(modem: Dialogue, name: str) -> str:
    command, _ = RETRIES[name]
    return "|".join(ask(modem, command)[:-1])


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_pin_retries_count_down_to_the_puk(name):
    modem = dialogue(name, conditions=("pin:3",))
    ask(modem, "AT+CMEE=1")
    expect = RETRIES[name][1]
    if expect is None:  # Huawei: ^CPIN: <code>,<times>,<puk>,<pin>,<puk2>,<pin2>

        def expect(pin: int, puk: int) -> str:
            code, times = ("SIM PIN", pin) if pin else ("SIM PUK", puk)
            return f"^CPIN: {code},{times},{puk},{pin},10,3"

    assert tries(modem, name) == expect(3, 10)
    for left in (2, 1, 0):
        assert ask(modem, 'AT+CPIN="0000"') == ["+CME ERROR: 16"]
        assert tries(modem, name) == expect(left, 10)
    assert ask(modem, "AT+CPIN?") == ["+CPIN: SIM PUK", "OK"]
    assert ask(modem, 'AT+CPIN="11111111","4321"') == ["+CME ERROR: 16"]
    assert tries(modem, name) == expect(0, 9)
    assert ask(modem, 'AT+CPIN="12345678","4321"') == ["OK"]
    assert ask(modem, "AT+CPIN?") == ["+CPIN: READY", "OK"]
    modem.power_on()  # the SIM keeps its new PIN and full counters
    ask(modem, "ATE0")
    assert ask(modem, 'AT+CPIN="4321"') == ["OK"]


def test_realistic_timing_is_random_within_range_and_seeded():
    def delays(seed: int) -> tuple[list[float], list[float]]:
        modem = Dialogue(personality_profile("simcom-sim800", seed=seed))
        ask(modem, "ATE0")
        sends, ussd = [], []
        for _ in range(5):
            assert ask(modem, "AT+CMGS=23")[-1].startswith(">")
            sends += [
                s.seconds for s in modem.feed(VECTOR.encode() + b"\x1a") if isinstance(s, Pause)
            ]
            ussd += [
                s.seconds for s in modem.feed(b'AT+CUSD=1,"*888#",15\r') if isinstance(s, Later)
            ]
        return sends, ussd

    sends, ussd = delays(5)
    assert len(sends) == 5 and all(1 <= s <= 6 for s in sends) and len(set(sends)) == 5
    assert len(ussd) == 5 and all(1 <= s <= 5 for s in ussd)
    assert delays(5) == (sends, ussd) != delays(6)
    fixed = Dialogue(personality_profile("simcom-sim800", seed=5, send_delay=0.0))
    assert fixed.profile.send_delay_range is None and fixed.profile.ussd_delay_range


def test_sim_store_lists_reads_and_deletes():
    inbox = (
        StoredSms("+628111111111", "Saldo Anda Rp 5.000"),
        StoredSms("+62822", "Halo 😀", False),
    )
    modem = dialogue("quectel-ec25", inbox=inbox)
    assert ask(modem, "AT+CPMS?") == ['+CPMS: "SM",2,50,"SM",2,50,"SM",2,50', "OK"]
    assert ask(modem, 'AT+CPMS="ME","ME","ME"') == ["+CPMS: 0,255,0,255,0,255", "OK"]
    ask(modem, 'AT+CPMS="SM","SM","SM"')
    listed = ask(modem, "AT+CMGL=4")
    assert listed[0].startswith("+CMGL: 1,0,,") and listed[2].startswith("+CMGL: 2,1,,")
    assert re.fullmatch(r"[0-9A-F]+", listed[1]) and listed[-1] == "OK"
    assert ask(modem, "AT+CMGL=0") == ["OK"]  # listing marked the unread one read
    assert ask(modem, "AT+CMGD=?") == ["+CMGD: (1,2),(0-4)", "OK"]
    assert ask(modem, "AT+CMGR=1")[0].startswith("+CMGR: 1,,")
    ask(modem, "AT+CMGF=1")
    assert ask(modem, 'AT+CMGL="ALL"')[:2] == [
        '+CMGL: 1,"REC READ","+628111111111",,"30/01/02,03:04:05+00"',
        "Saldo Anda Rp 5.000",
    ]
    assert ask(modem, "AT+CMGD=1;+CMGD=?") == ["+CMGD: (2),(0-4)", "OK"]
    assert ask(modem, "AT+CMEE=1;+CMGR=99") == ["+CMS ERROR: 321"]
    assert ask(modem, "AT+CMGD=1,4;+CPMS?") == ['+CPMS: "SM",0,50,"SM",0,50,"SM",0,50', "OK"]


def test_sending_through_a_personality_on_the_pty(tmp_path: Path):
    modem = SimModem(profile("zte-mf667", boot_delay=0.5))
    with modem as sim, serial.Serial(sim.port, timeout=0.1) as port:
        assert read_lines(port, 2) == ["+ZUSIMR:2", '+ZPASR: "UMTS"']  # power-on lines first
        chat(port, "ATE0")
        assert b"+CMGS: 0" in send(port, VECTOR)
        assert sim.wait_for_deliveries(1)[0].text == "hellohello"
