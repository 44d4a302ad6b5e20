"""The emulator's AT state machine, driven directly (no pty, no threads)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpbroker.modem.pdu import (
    decode_status_report,
    decode_ussd,
    encode_submit,
    encode_ussd_request_packed,
)
from otpbroker.modem.sim import (
    DeliveryLog,
    Dialogue,
    Mode,
    ModemProfile,
    UssdReply,
    generate_profiles,
    luhn_digit,
    luhn_valid,
    parse_fault,
)
from otpbroker.modem.sim.personalities import personality
from otpbroker.modem.sim.steps import Later, Pause, Sent, Step, written
from otpbroker.modem.sim.syntax import Command, params, split_commands

VECTOR = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"  # +46708251358 "hellohello"
UCS2_VECTOR = "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01"


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(**fields: object) -> Dialogue:
    return Dialogue(ModemProfile(**fields), rng=random.Random(1), clock=Clock())


def ask(dialogue: Dialogue, line: str) -> bytes:
    return written(dialogue.feed(line.encode() + b"\r"))


def lines(data: bytes) -> list[str]:
    return [part for part in data.decode("latin-1").split("\r\n") if part]


def quiet(**fields: object) -> Dialogue:
    dialogue = make(**fields)
    ask(dialogue, "ATE0")
    return dialogue


# ---- basics --------------------------------------------------------------------------------


def test_at_is_echoed_and_answered_ok() -> None:
    dialogue = make()
    assert ask(dialogue, "AT") == b"AT\r\r\nOK\r\n"
    assert ask(dialogue, "at") == b"at\r\r\nOK\r\n"


def test_echo_off_and_on() -> None:
    dialogue = make()
    assert ask(dialogue, "ATE0") == b"ATE0\r\r\nOK\r\n"
    assert ask(dialogue, "AT") == b"\r\nOK\r\n"
    assert ask(dialogue, "ATE1") == b"\r\nOK\r\n"
    assert ask(dialogue, "AT") == b"AT\r\r\nOK\r\n"


def test_cr_lf_and_partial_input() -> None:
    dialogue = quiet()
    assert written(dialogue.feed(b"A")) == b""
    assert written(dialogue.feed(b"T+CSQ\r\n")) == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    assert written(dialogue.feed(b"AT\r\nAT\r\n")) == b"\r\nOK\r\n" * 2


def test_noise_before_at_and_non_commands() -> None:
    dialogue = quiet()
    assert ask(dialogue, "\x1bAT") == b"\r\nOK\r\n"
    assert ask(dialogue, "hello") == b""
    assert ask(dialogue, "") == b""


def test_unknown_and_malformed_commands_answer_error() -> None:
    dialogue = quiet()
    assert lines(ask(dialogue, "AT+FOO")) == ["ERROR"]
    assert lines(ask(dialogue, "AT+CMGF=7")) == ["ERROR"]
    assert lines(ask(dialogue, "AT!")) == ["ERROR"]
    dialogue.state.cmee = 1
    assert lines(ask(dialogue, "AT+FOO")) == ["ERROR"]


def test_chained_commands_stop_at_first_error() -> None:
    dialogue = quiet()
    assert lines(ask(dialogue, "AT+CMGF=0;+CSQ;+CMGF?")) == ["+CSQ: 20,99", "+CMGF: 0", "OK"]
    assert lines(ask(dialogue, "AT+CMGF=1;+FOO;+CMGF=0")) == ["ERROR"]
    assert dialogue.state.cmgf == 1
    assert lines(ask(dialogue, "ATE0V1Q0")) == ["OK"]


def test_reset_commands_restore_defaults() -> None:
    for reset in ("ATZ", "AT&F"):
        dialogue = quiet()
        ask(dialogue, "AT+CMEE=2;+CMGF=1")
        assert ask(dialogue, reset) == b"\r\nOK\r\n"
        assert dialogue.state.echo and dialogue.state.cmee == 0 and dialogue.state.cmgf == 0


def test_ati_lists_hardware() -> None:
    assert lines(ask(quiet(), "ATI")) == [
        "Manufacturer: OTP-Broker",
        "Model: GENERIC-3GPP",
        "Revision: 1.0",
        "OK",
    ]


# ---- identity ------------------------------------------------------------------------------


def test_identity_commands() -> None:
    dialogue = quiet()
    assert lines(ask(dialogue, "AT+CGMI")) == ["OTP-Broker", "OK"]
    assert lines(ask(dialogue, "AT+CGMM")) == ["GENERIC-3GPP", "OK"]
    assert lines(ask(dialogue, "AT+CGMR")) == ["1.0", "OK"]
    assert lines(ask(dialogue, "AT+CGSN")) == ["490154203237518", "OK"]
    assert lines(ask(dialogue, "AT+CIMI")) == ["510101234567890", "OK"]
    assert lines(ask(dialogue, "AT+CNUM")) == ['+CNUM: "","+6281100000001",145', "OK"]
    assert lines(ask(dialogue, "AT+CSCA?")) == ['+CSCA: "+6281100000",145', "OK"]
    assert lines(ask(dialogue, 'AT+CSCA="+6281199999",145')) == ["OK"]
    assert lines(ask(dialogue, "AT+CSCA?")) == ['+CSCA: "+6281199999",145', "OK"]
    assert lines(ask(dialogue, "AT+CSQ")) == ["+CSQ: 20,99", "OK"]
    assert lines(ask(dialogue, "AT+CREG?")) == ["+CREG: 0,1", "OK"]
    assert re.fullmatch(
        r'\+CREG: 2,1,"[0-9A-F]{4}","[0-9A-F]{7}",2', lines(ask(dialogue, "AT+CREG=2;+CREG?"))[0]
    )
    assert lines(ask(dialogue, "AT+COPS?")) == ['+COPS: 0,0,"TELKOMSEL",2', "OK"]


def test_a_bare_profile_is_the_generic_modem_and_a_personality_brings_its_own() -> None:
    generic = personality("generic").identity
    assert ModemProfile().identity == (generic.manufacturer, generic.model, generic.revision)
    assert ModemProfile(personality="huawei-e3131").identity == (
        "huawei", "E3131", "21.158.00.00.143"
    )  # fmt: skip
    typed = ModemProfile(personality="zte-mf667", manufacturer="Quectel", model="EC25")
    assert typed.identity[:2] == ("Quectel", "EC25")  # what the test typed stays


def test_cgsn_prefixed() -> None:
    assert lines(ask(quiet(cgsn_prefixed=True), "AT+CGSN")) == ["+CGSN: 490154203237518", "OK"]


# ---- errors and PIN ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmee", "cme", "cms"),
    [
        (0, "ERROR", "ERROR"),
        (1, "+CME ERROR: 11", "+CMS ERROR: 311"),
        (2, "+CME ERROR: SIM PIN required", "+CMS ERROR: SIM PIN required"),
    ],
)
def test_locked_sim_errors_follow_cmee(cmee: int, cme: str, cms: str) -> None:
    dialogue = quiet(pin="1234")
    assert lines(ask(dialogue, f"AT+CMEE={cmee}")) == ["OK"]
    assert lines(ask(dialogue, "AT+CMEE?")) == [f"+CMEE: {cmee}", "OK"]
    for command in ("AT+CIMI", "AT+CNUM", "AT+COPS?", 'AT+CUSD=1,"*888#",15'):
        assert lines(ask(dialogue, command)) == [cme], command
    assert lines(ask(dialogue, "AT+CMGS=23")) == [cms]
    assert lines(ask(dialogue, "AT+CSQ")) == ["+CSQ: 20,99", "OK"]


def test_right_pin_unlocks() -> None:
    dialogue = quiet(pin="1234")
    ask(dialogue, "AT+CMEE=1")
    assert lines(ask(dialogue, "AT+CPIN?")) == ["+CPIN: SIM PIN", "OK"]
    assert lines(ask(dialogue, "AT+CREG?")) == ["+CREG: 0,0", "OK"]
    assert lines(ask(dialogue, 'AT+CPIN="1234"')) == ["OK"]
    assert lines(ask(dialogue, "AT+CPIN?")) == ["+CPIN: READY", "OK"]
    assert lines(ask(dialogue, "AT+CIMI")) == ["510101234567890", "OK"]
    assert lines(ask(dialogue, 'AT+CPIN="1234"')) == ["+CME ERROR: 3"]


def test_wrong_pins_lead_to_puk() -> None:
    dialogue = quiet(pin="1234", pin_attempts=3)
    ask(dialogue, "AT+CMEE=1")
    assert lines(ask(dialogue, 'AT+CPIN="0000"')) == ["+CME ERROR: 16"]
    assert dialogue.state.attempts_left == 2
    assert lines(ask(dialogue, "AT+CPIN?")) == ["+CPIN: SIM PIN", "OK"]
    ask(dialogue, 'AT+CPIN="1111"')
    assert lines(ask(dialogue, 'AT+CPIN="2222"')) == ["+CME ERROR: 16"]
    assert lines(ask(dialogue, "AT+CPIN?")) == ["+CPIN: SIM PUK", "OK"]
    assert lines(ask(dialogue, 'AT+CPIN="1234"')) == ["+CME ERROR: 12"]
    assert lines(ask(dialogue, "AT+CIMI")) == ["+CME ERROR: 12"]
    assert lines(ask(dialogue, 'AT+CPIN="99999999","4321"')) == ["+CME ERROR: 16"]
    assert lines(ask(dialogue, 'AT+CPIN="12345678","4321"')) == ["OK"]
    assert lines(ask(dialogue, "AT+CPIN?")) == ["+CPIN: READY", "OK"]


def test_power_on_locks_again_and_echoes() -> None:
    dialogue = quiet(pin="1234")
    ask(dialogue, 'AT+CPIN="1234"')
    dialogue.power_on()
    assert ask(dialogue, "AT+CPIN?") == b"AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"


# ---- SMS settings --------------------------------------------------------------------------


def test_sms_settings() -> None:
    dialogue = quiet()
    assert lines(ask(dialogue, "AT+CMGF=1;+CMGF?")) == ["+CMGF: 1", "OK"]
    assert lines(ask(dialogue, 'AT+CSCS="UCS2";+CSCS?')) == ['+CSCS: "UCS2"', "OK"]
    assert lines(ask(dialogue, 'AT+CSCS="KOI8"')) == ["ERROR"]
    assert lines(ask(dialogue, "AT+CNMI=2,1,0,1,0;+CNMI?")) == ["+CNMI: 2,1,0,1,0", "OK"]
    assert dialogue.state.ds == 1
    assert lines(ask(dialogue, "AT+CMMS=2;+CMMS?")) == ["+CMMS: 2", "OK"]
    assert lines(ask(dialogue, "AT+CSMS?"))[-1] == "OK"
    assert lines(ask(dialogue, "AT+CPMS?"))[0].startswith("+CPMS: ")
    assert lines(ask(dialogue, "AT+CMGS=?")) == ["OK"]


def test_cmms_unsupported() -> None:
    dialogue = quiet(cmms_supported=False)
    ask(dialogue, "AT+CMEE=1")
    assert lines(ask(dialogue, "AT+CMMS=2")) == ["+CMS ERROR: 500"]


# ---- sending -------------------------------------------------------------------------------


def send(dialogue: Dialogue, pdu: str, length: int | None = None) -> list[Step]:
    if length is None:
        length = len(pdu) // 2 - 1 - int(pdu[:2], 16)
    assert written(dialogue.feed(f"AT+CMGS={length}\r".encode())).endswith(b"\r\n> ")
    assert dialogue.mode is Mode.PROMPT
    return list(dialogue.feed(pdu.encode() + b"\x1a"))


def test_send_vector() -> None:
    dialogue = quiet()
    steps = send(dialogue, VECTOR, 23)
    sent = [s for s in steps if isinstance(s, Sent)]
    assert len(sent) == 1
    assert sent[0].part.destination == "+46708251358"
    assert sent[0].part.text == "hellohello"
    assert sent[0].message_ref == 0
    assert written(steps) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    assert dialogue.mode is Mode.COMMAND
    assert written(send(dialogue, VECTOR)) == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"


def test_message_reference_wraps() -> None:
    dialogue = quiet()
    dialogue.next_ref = 255
    assert b"+CMGS: 255" in written(send(dialogue, VECTOR))
    assert b"+CMGS: 0" in written(send(dialogue, VECTOR))


def test_pdu_is_echoed_while_echo_is_on() -> None:
    dialogue = make()
    assert written(dialogue.feed(b"AT+CMGS=23\r")) == b"AT+CMGS=23\r\r\n> "
    out = written(dialogue.feed(VECTOR.encode() + b"\x1a"))
    assert out.startswith(VECTOR.encode() + b"\x1a\r\n+CMGS: 0")


def test_whole_send_in_one_chunk() -> None:
    dialogue = quiet()
    steps = dialogue.feed(b"AT+CMGS=23\r" + VECTOR.encode() + b"\x1a")
    assert written(steps) == b"\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n"


@pytest.mark.parametrize(
    ("pdu", "length"),
    [
        (VECTOR, 22),  # length does not match
        (VECTOR[:-1], 23),  # odd number of digits
        ("ZZ" + VECTOR[2:], 23),  # not hex
        ("0000000B916407281553F80000AA0AE8329BFD4697D9EC37", 23),  # TP-MTI 00: not a SUBMIT
        ("0011000B916407281553F80000AA0AE8329BFD4697D9EC", 22),  # truncated user data
    ],
)
def test_bad_pdu_is_cms_304(pdu: str, length: int) -> None:
    dialogue = quiet()
    ask(dialogue, "AT+CMEE=1")
    steps = send(dialogue, pdu, length)
    assert lines(written(steps)) == ["+CMS ERROR: 304"]
    assert not any(isinstance(s, Sent) for s in steps)
    assert dialogue.mode is Mode.COMMAND


def test_bad_cmgs_length_and_text_mode() -> None:
    dialogue = quiet()
    ask(dialogue, "AT+CMEE=1")
    assert lines(ask(dialogue, "AT+CMGS=0")) == ["+CMS ERROR: 304"]
    assert lines(ask(dialogue, "AT+CMGS=x")) == ["+CMS ERROR: 304"]
    ask(dialogue, "AT+CMGF=1")
    assert lines(ask(dialogue, 'AT+CMGS="+4670"')) == ["+CMS ERROR: 302"]


def test_escape_cancels() -> None:
    dialogue = quiet()
    ask(dialogue, "AT+CMGS=23")
    steps = dialogue.feed(VECTOR[:10].encode() + b"\x1b")
    assert written(steps) == b"\r\nOK\r\n"
    assert not any(isinstance(s, Sent) for s in steps)
    assert dialogue.mode is Mode.COMMAND
    assert ask(dialogue, "AT") == b"\r\nOK\r\n"


def test_delays_are_pauses_in_order() -> None:
    dialogue = quiet(prompt_delay=0.3, send_delay=2.0)
    steps = dialogue.feed(b"AT+CMGS=23\r")
    assert steps[0] == Pause(0.3)
    steps = dialogue.feed(VECTOR.encode() + b"\x1a")
    kinds = [type(s).__name__ for s in steps]
    assert kinds == ["Pause", "Sent", "Write"]
    assert steps[0] == Pause(2.0)


def test_ucs2_and_multipart_submits_decode() -> None:
    dialogue = quiet()
    steps = send(dialogue, UCS2_VECTOR)
    part = next(s for s in steps if isinstance(s, Sent)).part
    assert (part.text, part.encoding) == ("世界您好\uff01", "ucs2")
    pdus = encode_submit("+15125551234", "B" * 200, reference=7)
    assert len(pdus) == 2
    refs = []
    for pdu in pdus:
        steps = send(dialogue, pdu.hex, pdu.tpdu_length)
        refs.append(next(s for s in steps if isinstance(s, Sent)).part.concat)
    assert refs == [(7, 2, 1), (7, 2, 2)]


def test_status_report_when_ds_is_1() -> None:
    dialogue = quiet()
    pdu = encode_submit("+46708251358", "hi", status_report=True)[0]
    steps = send(dialogue, pdu.hex)
    assert not any(isinstance(s, Later) for s in steps)  # CNMI ds=0: no report
    ask(dialogue, "AT+CNMI=2,1,0,1,0")
    steps = send(dialogue, pdu.hex)
    later = [s for s in steps if isinstance(s, Later)]
    assert len(later) == 1
    head, pdu_line = lines(later[0].data)
    report = decode_status_report(pdu_line)
    assert head == f"+CDS: {len(pdu_line) // 2 - 1}"
    assert (report.message_ref, report.recipient, report.status) == (1, "+46708251358", 0)


# ---- USSD ----------------------------------------------------------------------------------

USSD = {
    "*1#": UssdReply("Sisa pulsa", "gsm7", "after"),
    "*2#": UssdReply("Sisa pulsa", "gsm7-packed", "before"),
    "*3#": UssdReply("Sisa pulsa", "ucs2", "after"),
    "*4#": UssdReply("Sisa pulsa", "ascii-hex", "after"),
}


@pytest.mark.parametrize(
    ("code", "payload", "dcs"),
    [
        ("*1#", "Sisa pulsa", 15),
        ("*2#", None, 15),
        ("*3#", "0053006900730061002000700075006C00730061", 72),
        ("*4#", "536973612070756C7361", 0),
    ],
)
def test_ussd_styles_and_order(code: str, payload: str | None, dcs: int) -> None:
    got = lines(ask(quiet(ussd=USSD), f'AT+CUSD=1,"{code}",15'))
    assert len(got) == 2
    cusd = got[0] if USSD[code].order == "before" else got[1]
    assert got[1 if USSD[code].order == "before" else 0] == "OK"
    match = re.fullmatch(r'\+CUSD: 0,"([^"]*)",(\d+)', cusd)
    assert match, cusd
    assert int(match[2]) == dcs
    if payload is not None:
        assert match[1] == payload
    assert decode_ussd(match[1], dcs) == "Sisa pulsa"


def test_unknown_ussd_code() -> None:
    assert lines(ask(quiet(ussd=USSD), 'AT+CUSD=1,"*9#",15')) == ["OK", "+CUSD: 4"]


def test_ussd_under_ucs2_charset_and_packed_requests() -> None:
    dialogue = quiet(ussd=USSD)
    packed = encode_ussd_request_packed("*1#")
    assert lines(ask(dialogue, f'AT+CUSD=1,"{packed}",15'))[-1] == '+CUSD: 0,"Sisa pulsa",15'
    ask(dialogue, 'AT+CSCS="UCS2"')
    ucs2_text = "Sisa pulsa".encode("utf-16-be").hex().upper()
    assert lines(ask(dialogue, 'AT+CUSD=1,"*1#",15'))[-1] == f'+CUSD: 0,"{ucs2_text}",15'
    code = "*4#".encode("utf-16-be").hex().upper()
    assert lines(ask(dialogue, f'AT+CUSD=1,"{code}",15'))[-1].endswith(",0")
    assert lines(ask(dialogue, "AT+CUSD=2")) == ["OK"]


# ---- data mode -----------------------------------------------------------------------------


def test_dial_data_mode_and_escape() -> None:
    dialogue = quiet()
    clock = dialogue.clock
    assert isinstance(clock, Clock)
    assert lines(ask(dialogue, "ATD*99#")) == ["CONNECT"]
    assert dialogue.mode is Mode.DATA
    assert written(dialogue.feed(b"~\x7f\xff}#AT\r")) == b""
    assert written(dialogue.feed(b"+++")) == b""  # no guard time before it
    clock.now += 1
    assert written(dialogue.feed(b"+++")) == b"\r\nOK\r\n"
    assert dialogue.mode is Mode.COMMAND
    assert lines(ask(dialogue, "ATO")) == ["CONNECT"]
    clock.now += 1
    dialogue.feed(b"+++")
    assert lines(ask(dialogue, "ATH")) == ["OK"]
    assert lines(ask(dialogue, "ATO")) == ["NO CARRIER"]
    assert lines(ask(dialogue, "ATD+4670123;")) == ["NO CARRIER"]


# ---- faults and noise ----------------------------------------------------------------------


def test_cms_error_fault_counts() -> None:
    dialogue = quiet()
    ask(dialogue, "AT+CMEE=1")
    dialogue.inject("cms-error", code=330, count=2)
    for _ in range(2):
        steps = send(dialogue, VECTOR)
        assert lines(written(steps)) == ["+CMS ERROR: 330"]
        assert not any(isinstance(s, Sent) for s in steps)
    assert b"+CMGS: 0" in written(send(dialogue, VECTOR))


def test_no_result_fault() -> None:
    dialogue = quiet()
    dialogue.inject("no-result")
    steps = send(dialogue, VECTOR)
    assert written(steps) == b""
    assert any(isinstance(s, Sent) for s in steps)  # the network did send it
    assert ask(dialogue, "AT") == b"\r\nOK\r\n"
    dialogue.inject("no-result", deliver=False)
    assert send(dialogue, VECTOR) == []


def test_slow_prompt_fault_is_one_shot() -> None:
    dialogue = quiet(prompt_delay=0.1)
    dialogue.inject("slow-prompt", seconds=3)
    assert dialogue.feed(b"AT+CMGS=23\r")[0] == Pause(3.0)
    dialogue.feed(b"\x1b")
    assert dialogue.feed(b"AT+CMGS=23\r")[0] == Pause(0.1)


def test_garbage_fault() -> None:
    dialogue = quiet()
    now = dialogue.inject("garbage", count=40)
    assert now.startswith(b"\r\n") and now.endswith(b"\r\n") and len(now) == 44
    junk = now[2:-2]
    assert b"\x00" in junk and any(b >= 0x80 for b in junk) and b"\r" not in junk
    with pytest.raises(UnicodeDecodeError):
        junk.decode("utf-8")
    reply = ask(dialogue, "AT+CSQ")
    assert reply.startswith(b"\r\n+CSQ: 20,99\r\n\r\n")
    assert reply.endswith(b"\r\nOK\r\n") and len(reply) > 44 + 17
    assert ask(dialogue, "AT") == b"\r\nOK\r\n"


def test_wedge_answers_nothing_until_cleared() -> None:
    dialogue = make()
    dialogue.inject("wedge")
    assert dialogue.feed(b"AT\r") == []
    assert dialogue.feed(b"AT+CSQ") == []
    assert dialogue.unsolicited() is None
    dialogue.clear_faults()
    assert ask(dialogue, "AT") == b"AT\r\r\nOK\r\n"
    dialogue.inject("wedge")
    dialogue.inject("unwedge")
    assert ask(dialogue, "AT") == b"AT\r\r\nOK\r\n"


def test_unknown_faults_are_rejected() -> None:
    dialogue = make()
    with pytest.raises(ValueError, match="unknown fault"):
        dialogue.inject("melt")
    with pytest.raises(ValueError, match="unknown parameter"):
        dialogue.inject("wedge", hard=True)


def test_urc_inside_reply_uses_another_prefix() -> None:
    dialogue = quiet(urc_in_reply=1.0)
    for _ in range(20):
        got = lines(ask(dialogue, "AT+CREG?"))
        assert "+CREG: 0,1" in got[:2] and got[-1] == "OK" and len(got) == 3
        noise = got[1] if got[0] == "+CREG: 0,1" else got[0]
        assert not noise.startswith("+CREG")
    assert lines(ask(dialogue, "AT")) == ["OK"]  # no info lines: nothing inserted


def test_unsolicited_lines_only_in_command_mode() -> None:
    dialogue = quiet()
    line = dialogue.unsolicited()
    assert line is not None and line.startswith(b"\r\n") and b"RING" not in line
    dialogue.feed(b"AT+CMGS=23\r")
    assert dialogue.unsolicited() is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=12))
def test_any_input_never_raises(chunks: list[bytes]) -> None:
    dialogue = make(pin="1234", urc_in_reply=0.5)
    dialogue.inject("garbage", count=5)
    for chunk in chunks:
        for step in dialogue.feed(chunk):
            assert isinstance(step, Sent | Pause | Later) or step.data


# ---- syntax, identities, faults parsing, deliveries ----------------------------------------


def test_split_commands() -> None:
    assert split_commands('+CUSD=1,"*1;2#",15;+CSQ') == [
        Command("+CUSD", "=", '1,"*1;2#",15'),
        Command("+CSQ"),
    ]
    assert split_commands("E0V1&FS0=0D*99#") == [
        Command("E", "", "0"),
        Command("V", "", "1"),
        Command("&F"),
        Command("S", "=", "0"),
        Command("D", "", "*99#"),
    ]
    assert params('1,"a,b", 15') == ["1", "a,b", "15"]


def test_luhn_and_generated_identities() -> None:
    assert luhn_digit("49015420323751") == "8"
    assert luhn_valid("490154203237518") and not luhn_valid("490154203237517")
    profiles = generate_profiles(50, seed=3, send_delay=0.5)
    assert len({p.imei for p in profiles}) == 50
    for p in profiles:
        assert len(p.imei) == 15 and luhn_valid(p.imei)
        assert len(p.imsi) == 15 and p.imsi.startswith("51010")
        assert p.msisdn.startswith("+62811") and len(p.msisdn) == 13
        assert p.send_delay == 0.5 and p.operator
    assert generate_profiles(3, seed=3) == generate_profiles(3, seed=3)


def test_parse_fault() -> None:
    assert parse_fault("cms-error:500") == ("cms-error", {"code": 500})
    assert parse_fault("garbage") == ("garbage", {})
    assert parse_fault("slow-prompt:1.5") == ("slow-prompt", {"seconds": 1.5})
    with pytest.raises(ValueError):
        parse_fault("wedge:3")
    with pytest.raises(ValueError):
        parse_fault("explode")


def test_delivery_log_reassembles_out_of_order(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.jsonl"
    log = DeliveryLog(path)
    dialogue = quiet(send_delay_range=(1.0, 6.0), seed=4)
    pdus = encode_submit("+15125551234", "B" * 150 + "😀" * 60, reference=9)
    total = len(pdus)
    assert total >= 3
    parts = []
    for pdu in pdus:
        steps = send(dialogue, pdu.hex, pdu.tpdu_length)
        sent = next(s for s in steps if isinstance(s, Sent))
        assert [s.seconds for s in steps if isinstance(s, Pause)] == [sent.smsc_seconds]
        parts.append(sent)
    waits = [sent.smsc_seconds for sent in parts]
    assert all(1.0 <= w <= 6.0 for w in waits) and len(set(waits)) == total
    for sent in reversed(parts[1:]):
        assert log.add_part("IMEI1", sent.part, sent.message_ref, sent.pdu,
                            smsc_seconds=sent.smsc_seconds) is None  # fmt: skip
    assert log.incomplete == 1
    single = next(s for s in send(dialogue, VECTOR) if isinstance(s, Sent))
    log.add_part("IMEI1", single.part, single.message_ref, single.pdu,
                 smsc_seconds=single.smsc_seconds)  # fmt: skip
    first = parts[0]
    delivery = log.add_part("IMEI1", first.part, first.message_ref, first.pdu,
                            smsc_seconds=first.smsc_seconds)  # fmt: skip
    assert delivery is not None
    text = "B" * 150 + "😀" * 60
    assert (delivery.text, delivery.parts, delivery.encoding) == (text, total, "ucs2")
    assert delivery.part_smsc_seconds == tuple(waits)  # in part order, not arrival order
    assert delivery.smsc_seconds == pytest.approx(sum(waits))
    assert [p.smsc_seconds for p in log.parts] == [*waits[:0:-1], single.smsc_seconds, waits[0]]
    assert log.incomplete == 0 and len(log.parts) == total + 1
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {
            "modem": "IMEI1",
            "to": "+46708251358",
            "text": "hellohello",
            "parts": 1,
            "encoding": "gsm7",
            "smsc_seconds": round(single.smsc_seconds, 3),
            "part_smsc_seconds": [round(single.smsc_seconds, 3)],
        },
        {
            "modem": "IMEI1",
            "to": "+15125551234",
            "text": text,
            "parts": total,
            "encoding": "ucs2",
            "smsc_seconds": round(sum(waits), 3),
            "part_smsc_seconds": [round(w, 3) for w in waits],
        },
    ]
    assert rows[1] == delivery.as_dict()
    assert log.wait_for(2, timeout=0.1) == log.deliveries
    with pytest.raises(TimeoutError):
        log.wait_for(3, timeout=0.05)
    assert log.for_modem("other") == []
