"""Network conditions: every registration command tells the same story, sends and USSD end
the way the network would have them end, and impossible or malformed conditions are refused."""

from __future__ import annotations

import pytest
from sim_talk import ask, dialogue
from test_sim_pty import VECTOR

from otpbroker.modem.sim import Dialogue, parse_conditions
from otpbroker.modem.sim.steps import Pause, Sent, written

UCS2_WITH_SMSC = "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01"

# (personality, conditions, command, expected first line)
STORIES = [
    ("quectel-ec25", "lte-no-sms", "AT+CREG?", "+CREG: 0,0"),
    ("quectel-ec25", "lte-no-sms", "AT+CEREG?", "+CEREG: 0,1"),
    ("quectel-ec25", "lte-no-sms", "AT+CGSMS?", "+CGSMS: 1"),
    ("quectel-ec25", "lte-no-sms", 'AT+QCFG="ims"', '+QCFG: "ims",1,0'),
    ("quectel-ec25", "lte-no-sms", "AT+COPS?", '+COPS: 0,0,"TELKOMSEL",7'),
    ("quectel-ec25", "lte-sgs", "AT+CREG?", "+CREG: 0,1"),
    ("quectel-ec25", "lte-sgs", "AT+CEREG?", "+CEREG: 0,1"),
    ("quectel-ec25", "3g", "AT+CEREG?", "+CEREG: 0,0"),
    ("quectel-ec25", "3g", "AT+QNWINFO", '+QNWINFO: "WCDMA","51010","WCDMA 2100",10737'),
    ("quectel-ec25", "2g,roaming", "AT+QNWINFO", '+QNWINFO: "GSM","52501","GSM 1800",637'),
    ("simcom-sim7600", "lte-no-sms", "AT+CNSMOD?", "+CNSMOD: 1,8"),
    ("simcom-sim7600", "2g", "AT+CNSMOD?", "+CNSMOD: 1,3"),
    ("simcom-sim7600", "2g", "AT+COPS?", '+COPS: 0,0,"TELKOMSEL",0'),
    ("simcom-sim7600", "3g", "AT+CPSI?", "+CPSI: WCDMA,Online,510-10,"),
    ("simcom-sim7600", "no-sim", "AT+CPSI?", "+CPSI: NO SERVICE,Online"),
    ("huawei-e3131", "2g,roaming", "AT^SYSINFO", "^SYSINFO:2,3,1,3,1,,3"),
    ("huawei-e3131", "2g,roaming", "AT+COPS?", '+COPS: 0,0,"SingTel",0'),
    ("huawei-e3131", "no-sim", "AT^SYSINFO", "^SYSINFO:1,0,0,0,255,,0"),
    ("huawei-e3131", "3g", "AT^SYSINFOEX", '^SYSINFOEX:2,3,0,1,,3,"WCDMA",41,"WCDMA"'),
    ("zte-mf667", "2g", "AT+ZPAS?", '+ZPAS: "EDGE","CS_PS"'),
    ("zte-mf667", "pin", "AT+ZPAS?", '+ZPAS: "No Service","CS_ONLY"'),
    ("zte-mf667", "weak-signal:3", "AT+CSQ", "+CSQ: 3,99"),
    ("simcom-sim800", "roaming", "AT+CREG?", "+CREG: 0,5"),
    ("simcom-sim800", "roaming", "AT+CGREG?", "+CGREG: 0,5"),
    ("generic", "no-smsc", "AT+CSCA?", '+CSCA: "",129'),
    ("generic", "no-sim", "AT+CMEE=1;+CPIN?", "+CME ERROR: 10"),
    ("generic", "puk", "AT+CPIN?", "+CPIN: SIM PUK"),
    ("generic", "pin:2", 'AT+CPINR="SIM PIN"', "+CPINR: SIM PIN,2,3"),
    ("generic", "lte-no-sms", "AT+CREG=2;+CREG?", "+CREG: 2,0"),
]


@pytest.mark.parametrize(("name", "conditions", "line", "first"), STORIES)
def test_registration_story(name: str, conditions: str, line: str, first: str) -> None:
    modem = dialogue(name, conditions=conditions.split(","))
    assert ask(modem, line)[0].startswith(first), ask(modem, line)


def submit(modem: Dialogue, pdu: str = VECTOR) -> tuple[list[str], float, bool]:
    """Send ``pdu``: (lines written, seconds busy, whether the handset got it)."""
    length = len(pdu) // 2 - 1 - int(pdu[:2], 16)
    assert ask(modem, f"AT+CMGS={length}")[-1].startswith(">")
    steps = modem.feed(pdu.encode() + b"\x1a")
    busy = sum(s.seconds for s in steps if isinstance(s, Pause))
    text = written(steps).decode()
    return [x for x in text.split("\r\n") if x], busy, any(isinstance(s, Sent) for s in steps)


@pytest.mark.parametrize(
    ("conditions", "final"),
    [
        ("sim-barred", "+CMS ERROR: 8"),
        ("no-credit", "+CMS ERROR: 50"),
        ("no-credit:21", "+CMS ERROR: 21"),
        ("network-flaky:1", "+CMS ERROR: 33"),
        ("no-smsc", "+CMS ERROR: 330"),
    ],
)
def test_sends_the_network_refuses(conditions: str, final: str) -> None:
    modem = dialogue("simcom-sim7600", conditions=conditions.split(","))
    ask(modem, "AT+CMEE=1")
    lines, _, sent = submit(modem)
    assert lines[-1].startswith(final) and not sent


def test_lte_without_sms_path_waits_then_fails_and_ussd_fails() -> None:
    modem = dialogue("quectel-ec25", conditions=["lte-no-sms:30"])
    ask(modem, "AT+CMEE=1")
    lines, busy, sent = submit(modem)
    assert (lines, busy, sent) == (["+CMS ERROR: 500"], 30.0, False)
    later = [s for s in modem.feed(b'AT+CUSD=1,"*888#",15\r') if not isinstance(s, Pause)]
    assert b"+CUSD: 4" in b"".join(getattr(s, "data", b"") for s in later)
    modem.set_conditions("lte-sgs")
    assert submit(modem)[0][0].startswith("+CMGS: ")


def test_no_smsc_is_overcome_by_the_pdu_or_by_csca() -> None:
    modem = dialogue("zte-mf667", conditions=["no-smsc"])
    ask(modem, "AT+CMEE=1")
    assert submit(modem, UCS2_WITH_SMSC)[2]  # the PDU names its SMSC
    assert ask(modem, 'AT+CSCA="+6281100000";+CSCA?') == ['+CSCA: "+6281100000",145', "OK"]
    assert submit(modem)[2]


def test_flaky_and_weak_networks_fail_some_sends_the_same_way_each_run() -> None:
    def outcomes(conditions: str) -> list[str]:
        modem = dialogue("simcom-sim800", conditions=conditions.split(","))
        ask(modem, "AT+CMEE=1")
        return [submit(modem)[0][-1][:16] for _ in range(40)]

    flaky = outcomes("network-flaky:0.3")
    assert {"+CMS ERROR: 331", "+CMS ERROR: 332", "OK"} == set(flaky)
    assert flaky == outcomes("network-flaky:0.3")
    weak = outcomes("weak-signal")
    assert set(weak) == {"+CMS ERROR: 332", "OK"} and weak.count("OK") > 20


def test_radio_off_and_on() -> None:
    modem = dialogue("quectel-ec25")
    ask(modem, "AT+CMEE=1;+CFUN=4")
    assert ask(modem, "AT+CSQ;+CEREG?;+COPS?") == ["+CSQ: 99,99", "+CEREG: 0,0", "+COPS: 2", "OK"]
    assert submit(modem)[0] == ["+CMS ERROR: 331"]
    assert ask(modem, "AT+CFUN=1;+CEREG?") == ["+CEREG: 0,1", "OK"]


def test_conditions_change_at_run_time_and_keep_the_sim_counters() -> None:
    modem = dialogue("generic", conditions=["pin:3"])
    ask(modem, 'AT+CPIN="0000"')
    assert modem.state.card.pin_tries == 2
    modem.set_conditions("pin:3,roaming")  # same SIM: its counter stays
    assert modem.state.card.pin_tries == 2
    assert ask(modem, "AT+CREG?") == ["+CREG: 0,0", "OK"]  # locked: not registered
    modem.set_conditions("")  # the profile's own SIM, no PIN
    assert ask(modem, "AT+CPIN?;+CREG?") == ["+CPIN: READY", "+CREG: 0,1", "OK"]
    assert modem.network.names() == []


@pytest.mark.parametrize(
    ("name", "conditions", "message"),
    [
        (
            "huawei-e3131",
            "lte-sgs",
            "condition lte-sgs needs LTE, but huawei-e3131 has only GSM, UMTS",
        ),
        ("zte-mf667", "lte-no-sms", "needs LTE, but zte-mf667 has only GSM, UMTS"),
        ("simcom-sim800", "3g", "condition 3g needs UMTS, but simcom-sim800 has only GSM"),
    ],
)
def test_a_modem_cannot_be_where_its_radio_cannot_go(
    name: str, conditions: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        dialogue(name, conditions=[conditions])
    modem = dialogue(name)
    with pytest.raises(ValueError, match=message):
        modem.set_conditions(conditions)
    assert modem.network.names() == []  # nothing changed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("4g", r"unknown condition '4g' \(known: 2g, 3g, lte-sgs, lte-no-sms, lte-ims, denied, "),
        ("pin:x", "condition pin:TRIES wants a whole number from 1 to 9, not 'x'"),
        ("pin:0", "condition pin:TRIES wants 1 to 9, not '0'"),
        ("pin:2.5", "condition pin:TRIES wants a whole number"),
        ("roaming:1", "condition roaming takes no parameter"),
        ("2g,3g", "conditions 2g and 3g cannot be combined"),
        ("pin,no-sim", "conditions pin and no-sim cannot be combined"),
        ("sim-barred,no-credit", "conditions sim-barred and no-credit cannot be combined"),
        ("roaming,roaming", "condition roaming is given twice"),
        ("roaming,,2g", "empty condition"),
        ("network-flaky:2", "condition network-flaky:RATE wants 0 to 1, not '2'"),
    ],
)
def test_malformed_conditions_are_refused_precisely(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_conditions(spec)


def test_parsed_conditions_read_back_as_typed() -> None:
    parsed = parse_conditions("lte-no-sms:5,pin:2,roaming")
    assert [str(c) for c in parsed] == ["lte-no-sms:5", "pin:2", "roaming"]
    assert parse_conditions("") == () == parse_conditions(" ")
