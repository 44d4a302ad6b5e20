"""Each personality answers test, read and identification commands with its vendor's data."""

from __future__ import annotations

import re

import pytest
from sim_talk import ask, dialogue

from otpbroker.modem.pdu import decode_ussd, encode_ussd_request_packed
from otpbroker.modem.sim import PERSONALITIES, PERSONALITY_NAMES, personality

CNMI_3GPP = "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"
CPINR = [
    "+CPINR: SIM PIN,3,3",
    "+CPINR: SIM PUK,10,10",
    "+CPINR: SIM PIN2,3,3",
    "+CPINR: SIM PUK2,10,10",
]

# (personality, command line, expected lines); "{imei}" is the modem's IMEI.
ROWS = [
    ("generic", "AT+CSCS=?", ['+CSCS: ("GSM","IRA","UCS2","HEX","8859-1")', "OK"]),
    ("generic", "AT+CSCS?", ['+CSCS: "GSM"', "OK"]),
    ("generic", "AT+CNMI=?", [CNMI_3GPP, "OK"]),
    ("generic", "AT+CEREG=?", ["+CEREG: (0-2,4)", "OK"]),
    ("generic", "AT+CPINR", [*CPINR, "OK"]),
    ("generic", "AT+CGMI;+CGMM", ["OTP-Broker", "GENERIC-3GPP", "OK"]),
    ("huawei-e3131", "AT+CSCS=?", ['+CSCS: ("IRA","UCS2","GSM")', "OK"]),
    ("huawei-e3131", "AT+CSCS?", ['+CSCS: "IRA"', "OK"]),
    ("huawei-e3131", "AT+CNMI=?", ["+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)", "OK"]),
    ("huawei-e3131", "AT+CEREG?", ["COMMAND NOT SUPPORT"]),
    ("huawei-e3131", "AT+CMEE=1;+CMMS=2", ["+CMS ERROR: 500"]),
    ("huawei-e3131", "ATI", ["Manufacturer: huawei", "Model: E3131", "Revision: 21.158.00.00.143", "IMEI: {imei}", "+GCAP: +CGSM,+DS,+ES", "OK"]),
    ("huawei-e3131", "AT^CPIN?", ["^CPIN: READY,,10,3,10,3", "OK"]),
    ("huawei-e3131", "AT^SYSINFO", ["^SYSINFO:2,3,0,5,1,,4", "OK"]),
    ("huawei-e3131", "AT^SYSINFOEX", ['^SYSINFOEX:2,3,0,1,,3,"WCDMA",41,"WCDMA"', "OK"]),
    ("huawei-e3131", "AT^CURC=?", ["^CURC: (0-1)", "OK"]),
    ("zte-mf667", "AT+CSCS=?", ['+CSCS: ("IRA","GSM","UCS2")', "OK"]),
    ("zte-mf667", "AT+CEREG?", ["ERROR"]),
    ("zte-mf667", "AT+ZPINPUK=?", ["+ZPINPUK: 3,10", "OK"]),
    ("zte-mf667", "AT+ZPAS?", ['+ZPAS: "UMTS","CS_PS"', "OK"]),
    ("zte-mf667", "AT+ZCDRUN=8;+ZOPRT=5", ["OK"]),
    ("zte-mf667", "AT+CGMI", ["ZTE CORPORATION", "OK"]),
    ("quectel-ec25", "AT+CSCS=?", ['+CSCS: ("GSM","IRA","UCS2")', "OK"]),
    ("quectel-ec25", "AT+CSCS?", ['+CSCS: "GSM"', "OK"]),
    ("quectel-ec25", "AT+CPMS=?", ['+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")', "OK"]),
    ("quectel-ec25", "ATI", ["Quectel", "EC25", "Revision: EC25EFAR06A03M4G", "OK"]),
    ("quectel-ec25", "AT+CGSN", ["{imei}", "OK"]),
    ("quectel-ec25", "AT+QPINC?", ['+QPINC: "SC",3,10', '+QPINC: "P2",3,10', "OK"]),
    ("quectel-ec25", "AT+QNWINFO", ['+QNWINFO: "FDD LTE","51010","LTE BAND 3",1850', "OK"]),
    ("quectel-ec25", 'AT+QCFG="ims"', ['+QCFG: "ims",0,0', "OK"]),
    ("quectel-ec25", "AT+CEREG?;+COPS?", ["+CEREG: 0,1", '+COPS: 0,0,"TELKOMSEL",7', "OK"]),
    ("simcom-sim7600", "AT+CSCS=?", ['+CSCS: ("IRA","GSM","UCS2")', "OK"]),
    ("simcom-sim7600", "AT+CGMR", ["+CGMR: LE20B04SIM7600M22", "OK"]),
    ("simcom-sim7600", "AT+SPIC", ["+SPIC: 3,10,3,10", "OK"]),
    ("simcom-sim7600", "AT+CNSMOD?", ["+CNSMOD: 1,8", "OK"]),
    ("simcom-sim7600", "AT+CPMS=?", ['+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")', "OK"]),
    ("simcom-sim800", "AT+CSCS=?", ['+CSCS: ("IRA","GSM","UCS2","HEX","PCCP","PCDN","8859-1")', "OK"]),
    ("simcom-sim800", "ATI", ["SIM800 R14.18", "OK"]),
    ("simcom-sim800", "AT+CGMR", ["Revision:1418B04SIM800L24", "OK"]),
    ("simcom-sim800", "AT+SPIC", ["+SPIC: 3,3,10,10", "OK"]),
    ("simcom-sim800", "AT+CEREG?", ["ERROR"]),
    ("simcom-sim800", "AT+CEREG=?", ["ERROR"]),
    ("simcom-sim800", "AT+CNMI=?", ["+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)", "OK"]),
    ("simcom-sim800", "AT+COPS?", ['+COPS: 0,0,"TELKOMSEL",0', "OK"]),
]  # fmt: skip

# Test commands every personality answers with ranges (none answers a bare OK).
RANGED = ("+CSCS", "+CMGF", "+CNMI", "+CPMS", "+CUSD", "+CSMS", "+CREG", "+CGREG", "+CGSMS",
          "+CMEE", "+CFUN", "+CSQ", "+CMGL", "+CMGD", "+CGDCONT")  # fmt: skip


@pytest.mark.parametrize(("name", "line", "expected"), ROWS)
def test_personality_answers(name: str, line: str, expected: list[str]) -> None:
    modem = dialogue(name)
    imei = modem.profile.imei
    assert ask(modem, line) == [row.replace("{imei}", imei) for row in expected]


@pytest.mark.parametrize("command", RANGED)
@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_test_commands_list_their_ranges(name: str, command: str) -> None:
    got = ask(dialogue(name), f"AT{command}=?")
    assert got[-1] == "OK" and len(got) >= 2, got
    assert all(line.startswith(f"{command}: (") for line in got[:-1]), got


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_identity_and_registration_reads(name: str) -> None:
    modem = dialogue(name)
    persona, profile = personality(name), modem.profile
    assert ask(modem, "AT+CGMI") == [persona.identity.manufacturer, "OK"]
    assert ask(modem, "AT+CGMM") == [persona.identity.model, "OK"]
    assert ask(modem, "AT+CIMI") == [profile.imsi, "OK"]
    assert ask(modem, "AT+GCAP") == [persona.gcap, "OK"]
    assert ask(modem, "AT+CNUM") == [f'+CNUM: "","{profile.msisdn}",145', "OK"]
    assert ask(modem, "AT+CSCA?") == [f'+CSCA: "{profile.smsc}",145', "OK"]
    assert ask(modem, "AT+CREG?") == ["+CREG: 0,1", "OK"]
    assert ask(modem, "AT+CGREG?") == ["+CGREG: 0,1", "OK"]
    assert ask(modem, "AT+CGSMS?") == ["+CGSMS: 1", "OK"]
    assert ask(modem, "AT+CPIN?;+CFUN?") == ["+CPIN: READY", "+CFUN: 1", "OK"]
    assert ask(modem, "AT+CSQ") == [f"+CSQ: {profile.signal},99", "OK"]
    assert ask(modem, "AT+CSCS?") == [f'+CSCS: "{persona.default_charset}"', "OK"]
    assert ask(modem, "AT+CMGS=?;+CPIN=?") == ["OK"]  # no ranges in the standard


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_charsets_accepted_are_the_listed_ones(name: str) -> None:
    modem = dialogue(name)
    ask(modem, "AT+CMEE=1")
    for charset in personality(name).charsets:
        assert ask(modem, f'AT+CSCS="{charset.lower()}";+CSCS?') == [f'+CSCS: "{charset}"', "OK"]
    assert ask(modem, 'AT+CSCS="KOI8-R"') == ["+CME ERROR: 4"]
    ask(modem, 'AT+CSCS="UCS2"')
    ira = "IRA".encode("utf-16-be").hex().upper()  # strings follow the charset in force
    assert ask(modem, f'AT+CSCS="{ira}";+CSCS?') == ['+CSCS: "IRA"', "OK"]


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_clac_lists_what_the_modem_answers(name: str) -> None:
    modem = dialogue(name)
    got = ask(modem, "AT+CLAC")
    if got == [personality(name).unknown_reply]:
        return  # this vendor's manual has no +CLAC
    assert got[-1] == "OK" and "AT+CMGS" in got and "AT+CUSD" in got
    for command in got[:-1]:
        assert ask(modem, f"{command}=?")[-1] == "OK", command


def test_cnmi_accepts_exactly_the_listed_ranges() -> None:
    modem = dialogue("simcom-sim800")
    assert ask(modem, "AT+CNMI=3,3,2,1,1;+CNMI?") == ["+CNMI: 3,3,2,1,1", "OK"]
    assert ask(modem, "AT+CNMI=2,1,0,2,0") == ["ERROR"]  # <ds> 2 is not in (0,1)
    assert ask(dialogue("quectel-ec25"), "AT+CNMI=2,1,0,2,0") == ["OK"]


CUSD = re.compile(r'\+CUSD: 0,"([^"]*)",(\d+)')


def ussd(name: str, charset: str, request: str = "*888#") -> tuple[str, int]:
    modem = dialogue(name)
    ask(modem, f'AT+CSCS="{charset}"')
    got = ask(modem, f'AT+CUSD=1,"{request}",15')
    assert got[0] == "OK", got
    match = CUSD.fullmatch(got[1])
    assert match, got
    return match[1], int(match[2])


TEXT = "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."


def test_ussd_as_each_vendor_shows_it() -> None:
    packed = encode_ussd_request_packed(TEXT)
    assert ussd("huawei-e3131", "IRA") == (packed, 15)  # packed GSM 7-bit whatever the charset
    assert ussd("huawei-e3131", "GSM", encode_ussd_request_packed("*888#")) == (packed, 15)
    ucs2 = TEXT.encode("utf-16-be").hex().upper()
    assert ussd("quectel-ec25", "GSM") == (ucs2, 72)  # always UCS2
    for name in ("zte-mf667", "simcom-sim7600", "simcom-sim800"):  # the current charset
        assert ussd(name, "GSM") == (TEXT, 15)
        assert ussd(name, "UCS2") == (ucs2, 15)
        assert decode_ussd(*ussd(name, "UCS2"), "UCS2") == TEXT
    assert ussd("simcom-sim800", "HEX")[0].startswith("53697361")  # one hex pair per character


@pytest.mark.parametrize(
    ("cmee", "code", "line"),
    [(0, 10, "ERROR"), (1, 10, "+CME ERROR: 10"), (2, 10, "+CME ERROR: SIM not inserted")],
)
@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_error_formats_follow_cmee(name: str, cmee: int, code: int, line: str) -> None:
    modem = dialogue(name, conditions=("no-sim",))
    ask(modem, f"AT+CMEE={cmee}")
    assert ask(modem, "AT+CIMI") == [line]
    sms = {0: "ERROR", 1: "+CMS ERROR: 310", 2: "+CMS ERROR: SIM not inserted"}[cmee]
    assert ask(modem, "AT+CMGS=23") == [sms]


def test_registry_knows_exactly_the_six_personalities() -> None:
    assert list(PERSONALITIES) == [
        "generic",
        "huawei-e3131",
        "zte-mf667",
        "quectel-ec25",
        "simcom-sim7600",
        "simcom-sim800",
    ]
    with pytest.raises(ValueError, match=r"unknown modem profile 'e3372' \(known: generic, "):
        personality("e3372")
    for persona in PERSONALITIES.values():
        assert persona.manual and persona.summary
        assert persona.default_charset in persona.charsets


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_each_personality_has_a_usb_layout_with_an_at_port(name: str) -> None:
    persona = personality(name)
    modes = [layout for layout in persona.usb_layouts() if layout.mode == "modem"]
    assert modes and all(layout.at_interface is not None for layout in modes)
