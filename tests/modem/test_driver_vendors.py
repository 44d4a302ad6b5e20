"""Vendor replies as the manuals print them, read by ``modem/vendors.py``.

The emulator's personalities are checked in the matrix tests; here the parsers meet the
variants the manuals and field reports show (quoted or not, extra fields, refusals).
"""

from __future__ import annotations

import pytest

from otpbroker.modem.vendors import (
    radio_technology,
    read_pin_tries,
    read_sms_path,
    registration,
    vendor_of,
)


def asker(replies: dict[str, list[str]]):
    """An ``ask`` that answers from ``replies`` and refuses everything else."""
    asked: list[str] = []

    def ask(command: str, expect: str | None) -> list[str] | None:
        asked.append(command)
        return replies.get(command)

    ask.asked = asked  # type: ignore[attr-defined]
    return ask


@pytest.mark.parametrize(
    ("manufacturer", "model", "vendor"),
    [
        ("Quectel", "EC25", "quectel"), ("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom"),
        ("SIMCOM_Ltd", "SIMCOM_SIM800L", "simcom"), ("huawei", "E3131", "huawei"),
        ("ZTE CORPORATION", "MF667", "zte"), ("OTP-Broker", "GENERIC-3GPP", "generic"),
        (None, None, "generic"),
    ],
)  # fmt: skip
def test_the_vendor_is_known_from_cgmi_and_cgmm(manufacturer, model, vendor):
    assert vendor_of(manufacturer, model) == vendor


@pytest.mark.parametrize(
    ("vendor", "replies", "tries"),
    [
        ("generic", {'AT+CPINR="SIM PIN"': ["+CPINR: SIM PIN,2,3"]}, 2),
        ("generic", {'AT+CPINR="SIM PIN"': ['+CPINR: "SIM PIN",1,3']}, 1),
        ("quectel", {'AT+QPINC="SC"': ['+QPINC: "SC",3,10']}, 3),
        ("quectel", {"AT+QPINC?": ['+QPINC: "SC",1,10', '+QPINC: "P2",3,10']}, 1),
        ("simcom", {"AT+SPIC": ["+SPIC: 2,10,3,10"]}, 2),
        ("huawei", {"AT^CPIN?": ["^CPIN: SIM PIN,3,10,3,10,3"]}, 3),
        ("huawei", {"AT^CPIN?": ["^CPIN: READY,,10,2,10,3"]}, 2),
        ("zte", {"AT+ZPINPUK=?": ["+ZPINPUK: 1,10"]}, 1),
        ("zte", {}, None),  # refused everywhere: unknown, never an error
    ],
)
def test_pin_tries_are_read_with_the_vendors_command(vendor, replies, tries):
    assert read_pin_tries(asker(replies), vendor) == tries


def test_registration_takes_the_solicited_form_and_its_access_technology():
    assert registration(["+CREG: 0,1"], "+CREG:") == (1, None)
    assert registration(['+CREG: 2,5,"1A2B","01C3D4E5",7'], "+CREG:") == (5, 7)
    assert registration(["+CEREG: 4"], "+CEREG:") == (None, None)  # an unsolicited line
    assert registration([], "+CGREG:") == (None, None)


@pytest.mark.parametrize(
    ("name", "rat"),
    [("FDD LTE", "LTE"), ("TDD LTE", "LTE"), ("NR5G-SA", "NR"), ("WCDMA", "WCDMA"),
     ("HSPA+", "WCDMA"), ("GPRS/EDGE", "GSM"), ("No Service", "NONE"), ("EVDO", None)],
)  # fmt: skip
def test_vendor_technology_names_map_to_radios(name, rat):
    assert radio_technology(name) == rat


def test_quectel_lte_with_ims_switched_off_has_no_sms_path_reading():
    ask = asker({
        "AT+CREG?": ["+CREG: 0,0"], "AT+CEREG?": ["+CEREG: 0,1"], "AT+CGREG?": ["+CGREG: 0,1"],
        'AT+QCFG="ims"': ['+QCFG: "ims",2,0'],
        "AT+QNWINFO": ['+QNWINFO: "FDD LTE","51010","LTE BAND 3",1850'],
    })  # fmt: skip
    readings = read_sms_path(ask, "quectel")
    assert (readings.cs, readings.eps, readings.rat) == (0, 1, "LTE")
    assert readings.ims_enabled is False and readings.ims is False


def test_huawei_sysinfoex_and_the_older_sysinfo():
    ex = read_sms_path(asker({"AT^SYSINFOEX": ['^SYSINFOEX:2,3,0,1,,3,"WCDMA",41,"WCDMA"']}),
                       "huawei")  # fmt: skip
    assert ex.cs_service is True and ex.rat == "WCDMA"
    old = asker({"AT^SYSINFO": ["^SYSINFO:2,2,0,5,1,,4"]})
    readings = read_sms_path(old, "huawei")
    assert readings.cs_service is False and readings.rat == "WCDMA"
    assert "AT^SYSINFOEX" in old.asked  # the newer one first


def test_zte_zpas_and_simcom_cpsi():
    zte = read_sms_path(asker({"AT+ZPAS?": ['+ZPAS: "UMTS","CS_PS"']}), "zte")
    assert zte.rat == "WCDMA" and zte.cs_service is True
    ps_only = read_sms_path(asker({"AT+ZPAS?": ['+ZPAS: "LTE","PS_ONLY"']}), "zte")
    assert ps_only.rat == "LTE" and ps_only.cs_service is False
    simcom = read_sms_path(asker({"AT+CPSI?": ["+CPSI: NO SERVICE,Online"]}), "simcom")
    assert simcom.rat == "NONE"


def test_ims_registration_and_the_sms_domain_from_3gpp_commands():
    ask = asker({"AT+CIREG?": ["+CIREG: 0,1"], "AT+CGSMS?": ["+CGSMS: 2"]})
    readings = read_sms_path(ask, "generic", creg=["+CREG: 0,1"], rssi=17)
    assert readings.ims is True and readings.cgsms == 2 and readings.cs == 1
    assert readings.rssi == 17 and "AT+CREG?" not in ask.asked  # the fresh reply was reused
