"""SMS over IMS and the states of a modem the network keeps out (searching, denied): every
registration read command, ``+CIREG`` (3GPP TS 27.007 §8.71), the vendors' status commands
and the outcome of sends and USSD tell one story."""

from __future__ import annotations

import pytest
from sim_talk import ask, dialogue
from test_sim_conditions import submit

from otpbroker.modem.sim.conditions import RAT_NAMES, RATS
from otpbroker.modem.sim.personalities import NAMES, personality

LTE = [n for n in NAMES if "lte" in personality(n).rats]
CIREG = ["generic", "simcom-sim7600"]
"""The personalities with ``AT+CIREG`` (the EC25 manual has none: ``AT+QCFG="ims"``)."""

# (personality, conditions, command line, every line of the answer)
STORIES = [
    ("generic", "lte-ims", "AT+CREG?;+CGREG?;+CEREG?;+CIREG?",
     ["+CREG: 0,0", "+CGREG: 0,1", "+CEREG: 0,1", "+CIREG: 0,1", "OK"]),
    ("generic", "lte-ims", "AT+CIREG=2;+CIREG?", ["+CIREG: 2,1,5", "OK"]),
    ("generic", "lte-ims", "AT+COPS?", ['+COPS: 0,0,"TELKOMSEL",7', "OK"]),
    ("generic", "lte-ims,roaming", "AT+CEREG?;+CIREG?", ["+CEREG: 0,5", "+CIREG: 0,1", "OK"]),
    ("generic", "lte-sgs", "AT+CIREG=2;+CIREG?", ["+CIREG: 2,0", "OK"]),
    ("generic", "", "AT+CIREG?", ["+CIREG: 0,0", "OK"]),
    ("simcom-sim7600", "lte-ims", "AT+CREG?;+CEREG?;+CIREG?",
     ["+CREG: 0,0", "+CEREG: 0,1", "+CIREG: 0,1", "OK"]),
    ("simcom-sim7600", "lte-ims", "AT+CNSMOD?", ["+CNSMOD: 1,8", "OK"]),
    ("simcom-sim7600", "lte-sgs", "AT+CIREG?", ["+CIREG: 0,0", "OK"]),
    ("quectel-ec25", "lte-ims", 'AT+QCFG="ims"', ['+QCFG: "ims",0,1', "OK"]),
    ("quectel-ec25", "lte-ims", "AT+CREG?;+CEREG?", ["+CREG: 0,0", "+CEREG: 0,1", "OK"]),
    ("quectel-ec25", "lte-ims", "AT+CIREG?", ["ERROR"]),
    ("quectel-ec25", "lte-sgs", 'AT+QCFG="ims"', ['+QCFG: "ims",0,0', "OK"]),
    ("quectel-ec25", "lte-no-sms", 'AT+QCFG="ims"', ['+QCFG: "ims",1,0', "OK"]),
    ("quectel-ec25", "denied", 'AT+QCFG="ims";+QNWINFO',
     ['+QCFG: "ims",0,0', "+QNWINFO: No Service", "OK"]),
    ("simcom-sim7600", "denied", "AT+CPSI?;+CNSMOD?;+CIREG?",
     ["+CPSI: NO SERVICE,Online", "+CNSMOD: 1,0", "+CIREG: 0,0", "OK"]),
    ("huawei-e3131", "denied", "AT^SYSINFO", ["^SYSINFO:1,0,0,0,1,,0", "OK"]),
    ("huawei-e3131", "searching", "AT^SYSINFO", ["^SYSINFO:0,0,0,0,1,,0", "OK"]),
    ("huawei-e3131", "searching", "AT^SYSINFOEX",
     ['^SYSINFOEX:0,0,0,1,,0,"NO SERVICE",0,"NO SERVICE"', "OK"]),
    ("zte-mf667", "denied", "AT+ZPAS?", ['+ZPAS: "No Service","CS_ONLY"', "OK"]),
    ("simcom-sim800", "searching", "AT+CREG=2;+CREG?;+COPS?", ["+CREG: 2,2", "+COPS: 0", "OK"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "conditions", "line", "answer"), STORIES)
def test_registration_story(name: str, conditions: str, line: str, answer: list[str]) -> None:
    modem = dialogue(name, conditions=[c for c in conditions.split(",") if c])
    ask(modem, "AT+CMEE=1")
    assert ask(modem, line) == answer


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("condition", "stat"), [("searching", 2), ("denied", 3)])
def test_an_unregistered_modem_says_so_everywhere_and_cannot_send(
    name: str, condition: str, stat: int
) -> None:
    modem = dialogue(name, conditions=[condition])
    ask(modem, "AT+CMEE=1")
    reads = ["+CREG", "+CGREG"] + (["+CEREG"] if name in LTE else [])
    answer = ask(modem, "AT" + ";".join(f"{r}?" for r in reads) + ";+COPS?;+CGATT?")
    assert answer == [f"{r}: 0,{stat}" for r in reads] + ["+COPS: 0", "+CGATT: 0", "OK"]
    if name in CIREG:
        assert ask(modem, "AT+CIREG?") == ["+CIREG: 0,0", "OK"]
    lines, busy, sent = submit(modem)
    assert (lines, busy, sent) == (["+CMS ERROR: 331"], 0.0, False)
    assert ask(modem, 'AT+CUSD=1,"*888#",15') == ["+CME ERROR: 30"]
    assert ask(modem, 'AT+CGDCONT=1,"IP","internet";D*99#') == ["NO CARRIER"]
    home = "3" if condition == "denied" else "1"
    assert ask(modem, "AT+COPS=?")[0].startswith(f'+COPS: ({home},"TELKOMSEL"')
    modem.set_conditions("")  # the network lets it in again
    assert ask(modem, "AT+CREG?") == ["+CREG: 0,1", "OK"] and submit(modem)[2]


@pytest.mark.parametrize("name", LTE)
def test_sms_over_ims_sends_without_the_circuit_switched_domain(name: str) -> None:
    modem = dialogue(name, conditions=["lte-ims"])
    ask(modem, "AT+CMEE=1")
    lines, _, sent = submit(modem)
    assert lines[0].startswith("+CMGS: ") and lines[-1] == "OK" and sent
    later = [s for s in modem.feed(b'AT+CUSD=1,"*888#",15\r')]
    assert b"+CUSD: 4" in b"".join(getattr(s, "data", b"") for s in later)  # no USSD over IMS
    ask(modem, "AT+CFUN=4")  # radio off: IMS gone too
    assert ask(modem, "AT+CEREG?")[0] == "+CEREG: 0,0"
    if name in CIREG:
        assert ask(modem, "AT+CIREG?")[0] == "+CIREG: 0,0"
    else:
        assert ask(modem, 'AT+QCFG="ims"')[0] == '+QCFG: "ims",0,0'


@pytest.mark.parametrize("name", NAMES)
def test_cireg_is_there_exactly_where_the_manual_or_3gpp_puts_it(name: str) -> None:
    modem = dialogue(name)
    refused = [personality(name).unknown_reply]
    if name in CIREG:
        assert ask(modem, "AT+CIREG=?") == ["+CIREG: (0-2)", "OK"]
        assert ask(modem, "AT+CIREG=1;+CIREG?") == ["+CIREG: 1,0", "OK"]
        assert ask(modem, "AT+CIREG=3") == ["ERROR"]
        assert ask(modem, "ATZ;+CIREG?") == ["+CIREG: 0,0", "OK"]
    else:
        assert ask(modem, "AT+CIREG=?") == refused and ask(modem, "AT+CIREG?") == refused
    if name not in ("zte-mf667", "simcom-sim800"):  # the two without AT+CLAC
        listed = "AT+CIREG" in ask(modem, "AT+CLAC")
        assert listed is (name in CIREG)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in LTE])
def test_sms_over_ims_needs_lte(name: str) -> None:
    has = ", ".join(RAT_NAMES[r] for r in RATS if r in personality(name).rats)
    with pytest.raises(ValueError, match=f"condition lte-ims needs LTE, but {name} has only {has}"):
        dialogue(name, conditions=["lte-ims"])
    modem = dialogue(name)
    with pytest.raises(ValueError, match="needs LTE"):
        modem.set_conditions("lte-ims")
    assert modem.network.names() == [] and modem.network.sms_path == "cs"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("denied,searching", "conditions denied and searching cannot be combined"),
        ("lte-ims,denied", "conditions lte-ims and denied cannot be combined"),
        ("3g,searching", "conditions 3g and searching cannot be combined (both set the radio)"),
        ("denied:3", "condition denied takes no parameter"),
        ("lte-ims:1", "condition lte-ims takes no parameter"),
    ],
)
def test_registration_conditions_exclude_the_other_radio_conditions(
    spec: str, message: str
) -> None:
    modem = dialogue("generic")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        modem.set_conditions(spec)
    assert modem.network.names() == []


def test_conditions_change_from_ims_to_denied_at_run_time() -> None:
    modem = dialogue("simcom-sim7600", conditions=["lte-ims"])
    assert ask(modem, "AT+CIREG?;+CEREG?") == ["+CIREG: 0,1", "+CEREG: 0,1", "OK"]
    modem.set_conditions("denied")
    assert ask(modem, "AT+CIREG?;+CEREG?") == ["+CIREG: 0,0", "+CEREG: 0,3", "OK"]
    modem.set_conditions("lte-sgs")
    assert ask(modem, "AT+CIREG?;+CREG?") == ["+CIREG: 0,0", "+CREG: 0,1", "OK"]
