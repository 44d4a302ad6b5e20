"""What differs between modem families: who made it, how it tells PIN tries and SMS domain.

Commands and replies are written from the vendors' manuals and 3GPP TS 27.007:

- 3GPP (every modem may have them): ``+CPINR`` (TS 27.007 §8.65, PIN tries), ``+CIREG``
  (§8.71, IMS registration), ``+CREG``/``+CGREG``/``+CEREG`` (§7.2, §10.1.20, §10.1.22),
  ``+CGSMS`` (§10.1.21, the domain of SMS).
- Quectel (EC2x/EG2x AT Commands Manual V2.0): ``AT+QPINC`` (``+QPINC: "SC",<pin>,<puk>``),
  ``AT+QCFG="ims"`` (``+QCFG: "ims",<IMS: 0 per MBN, 1 on, 2 off>,<VoLTE ready>``),
  ``AT+QNWINFO`` (radio technology), ``AT+QINDCFG`` (unsolicited indications).
- SIMCom (SIM7500/SIM7600 AT Command Manual V1.08; SIM800 Series V1.09): ``AT+SPIC``
  (``+SPIC: <pin>,<puk>,<pin2>,<puk2>``), ``AT+CPSI?`` (``+CPSI: <system mode>,...``).
- Huawei (ME909s AT Command Interface Specification V100R001, E-series sticks):
  ``AT^CPIN?`` (``^CPIN: <code>,<times>,<puk>,<pin>,<puk2>,<pin2>``), ``AT^SYSINFOEX``
  (service domain and system mode; ``AT^SYSINFO`` on older sticks), ``AT^CURC=0`` (stops
  the periodic ``^RSSI``/``^BOOT``/``^DSFLOWRPT`` lines).
- ZTE (MF-series): ``AT+ZPINPUK=?`` (``+ZPINPUK: <pin>,<puk>``), ``AT+ZPAS?``
  (``+ZPAS: "<network>","<CS_ONLY|PS_ONLY|CS_PS|CAMPED>"``).

A command the modem refuses means "unknown", never an error. Every function takes ``ask``:
run one command, return its lines, or None when the modem refused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TypedDict

from otpbroker.domain.sms_path import SmsPathReadings

Ask = Callable[[str, str | None], list[str] | None]

VENDORS = ("quectel", "simcom", "huawei", "zte", "generic")
_MODEL_HINTS = (
    ("quectel", ("quectel", "ec2", "eg2", "eg9", "bg9", "ep06", "rm5")),
    ("simcom", ("simcom", "sim7", "sim8", "sim5", "a76")),
    ("huawei", ("huawei", "e3131", "e3372", "e173", "me909", "ms2131")),
    ("zte", ("zte", "mf6", "mf8", "mf1")),
)

#: Commands that stop noise the driver has no use for (each may be refused).
QUIET_COMMANDS: dict[str, tuple[str, ...]] = {
    "huawei": ("AT^CURC=0",),  # ^RSSI, ^MODE, ^DSFLOWRPT, ^BOOT, ^SRVST
    "quectel": ('AT+QINDCFG="all",0',),  # +QIND: "csq", "act", ...
    "simcom": ("AT+AUTOCSQ=0,0", "AT+CNSMOD=0", 'AT+EXUNSOL="SQ",0'),  # 7600; 800
    "zte": ("AT+CPMS?",),  # the +ZUSIMR:2 flood stops once the SIM store was read
}


def vendor_of(manufacturer: str | None, model: str | None) -> str:
    """The family of a modem from ``AT+CGMI`` / ``AT+CGMM`` (``generic`` when unknown)."""
    text = f"{manufacturer or ''} {model or ''}".lower()
    for vendor, hints in _MODEL_HINTS:
        if any(hint in text for hint in hints):
            return vendor
    return "generic"


# -- PIN tries -------------------------------------------------------------------------------


def _first_number(lines: list[str], prefix: str, index: int = 0) -> int | None:
    for line in lines:
        if line.upper().startswith(prefix):
            fields = [f.strip().strip('"') for f in line.split(":", 1)[1].split(",")]
            if len(fields) > index and fields[index].isdigit():
                return int(fields[index])
    return None


def _cpinr(lines: list[str]) -> int | None:
    for line in lines:
        match = re.match(r'\+CPINR:\s*"?SIM PIN"?\s*,\s*(\d+)', line, re.I)
        if match:
            return int(match.group(1))
    return None


def _qpinc(lines: list[str]) -> int | None:
    for line in lines:
        match = re.match(r'\+QPINC:\s*"SC"\s*,\s*(\d+)', line, re.I)
        if match:
            return int(match.group(1))
    return None


def _huawei_cpin(lines: list[str]) -> int | None:
    pin = _first_number(lines, "^CPIN:", 3)  # <code>,<times>,<puk>,<pin>,...
    return pin if pin is not None else _first_number(lines, "^CPIN:", 1)


_CPINR = ('AT+CPINR="SIM PIN"', "+CPINR:", _cpinr)
PIN_TRIES: dict[str, tuple[tuple[str, str, Callable[[list[str]], int | None]], ...]] = {
    "quectel": (('AT+QPINC="SC"', "+QPINC:", _qpinc), ("AT+QPINC?", "+QPINC:", _qpinc), _CPINR),
    "simcom": (_CPINR, ("AT+SPIC", "+SPIC:", lambda lines: _first_number(lines, "+SPIC:"))),
    "huawei": (("AT^CPIN?", "^CPIN:", _huawei_cpin), _CPINR),
    "zte": (("AT+ZPINPUK=?", "+ZPINPUK:", lambda lines: _first_number(lines, "+ZPINPUK:")), _CPINR),
    "generic": (_CPINR,),
}


def read_pin_tries(ask: Ask, vendor: str) -> int | None:
    """The SIM PIN tries left, from the vendor's command or ``+CPINR``; None if not told."""
    for command, expect, parse in PIN_TRIES.get(vendor, PIN_TRIES["generic"]):
        lines = ask(command, expect)
        tries = parse(lines) if lines else None
        if tries is not None:
            return tries
    return None


# -- registration and SMS domain ---------------------------------------------------------------


def registration(lines: list[str], prefix: str) -> tuple[int | None, int | None]:
    """``(<stat>, <AcT>)`` from the solicited answer ``<prefix> <n>,<stat>[,<a>,<b>[,<AcT>]]``."""
    for line in reversed(lines):
        if not line.upper().startswith(prefix):
            continue
        fields = [f.strip().strip('"') for f in line.split(":", 1)[1].split(",")]
        if len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
            act = fields[4] if len(fields) >= 5 and fields[4].isdigit() else None
            return int(fields[1]), int(act) if act is not None else None
    return None, None


_RAT_WORDS = (
    ("NONE", ("NO SERVICE", "LIMITED", "NONE")),
    ("LTE", ("LTE", "E-UTRAN", "CAT-M", "NB-IOT")),
    ("NR", ("NR5G", "NR")),
    ("WCDMA", ("WCDMA", "UMTS", "HSPA", "HSDPA", "HSUPA", "TDS", "TD-SCDMA", "3G")),
    ("GSM", ("GSM", "GPRS", "EDGE", "EGPRS", "2G")),
)


def radio_technology(name: str) -> str | None:
    """``GSM``, ``WCDMA``, ``LTE``, ``NR`` or ``NONE`` from a vendor's technology name."""
    upper = name.upper()
    for rat, words in _RAT_WORDS:
        if any(word in upper for word in words):
            return rat
    return None


def _fields(lines: list[str], prefix: str) -> list[str] | None:
    for line in lines:
        if line.upper().startswith(prefix.upper()):
            return [f.strip().strip('"') for f in line.split(":", 1)[1].split(",")]
    return None


class VendorReadings(TypedDict, total=False):
    """What a vendor's own commands add to the standard readings."""

    ims: bool
    ims_enabled: bool
    rat: str | None
    cs_service: bool


def _quectel(ask: Ask) -> VendorReadings:
    found: VendorReadings = {}
    ims = _fields(ask('AT+QCFG="ims"', "+QCFG:") or [], "+QCFG:")
    if ims and len(ims) >= 2 and ims[0].lower() == "ims" and ims[1].isdigit():
        found["ims_enabled"] = ims[1] != "2"
        if len(ims) >= 3 and ims[2].isdigit():
            found["ims"] = ims[2] == "1"
    info = _fields(ask("AT+QNWINFO", "+QNWINFO:") or [], "+QNWINFO:")
    if info:
        found["rat"] = radio_technology(info[0])
    return found


def _simcom(ask: Ask) -> VendorReadings:
    cpsi = _fields(ask("AT+CPSI?", "+CPSI:") or [], "+CPSI:")
    return {"rat": radio_technology(cpsi[0])} if cpsi else {}


_HUAWEI_SYSMODE = {0: "NONE", 1: "GSM", 3: "WCDMA", 4: "WCDMA", 6: "LTE"}
_HUAWEI_OLD_SYSMODE = {0: "NONE", 3: "GSM", 5: "WCDMA", 7: "WCDMA", 9: "WCDMA"}


def _huawei(ask: Ask) -> VendorReadings:
    ex = _fields(ask("AT^SYSINFOEX", "^SYSINFOEX:") or [], "^SYSINFOEX:")
    old = None if ex else _fields(ask("AT^SYSINFO", "^SYSINFO:") or [], "^SYSINFO:")
    fields, mode_at, modes = (ex, 5, _HUAWEI_SYSMODE) if ex else (old, 3, _HUAWEI_OLD_SYSMODE)
    if not fields or len(fields) <= mode_at or not fields[1].isdigit():
        return {}
    found: VendorReadings = {"cs_service": int(fields[1]) in (1, 3)}
    if fields[mode_at].isdigit() and int(fields[mode_at]) in modes:
        found["rat"] = modes[int(fields[mode_at])]
    return found


def _zte(ask: Ask) -> VendorReadings:
    zpas = _fields(ask("AT+ZPAS?", "+ZPAS:") or [], "+ZPAS:")
    if not zpas:
        return {}
    found: VendorReadings = {"rat": radio_technology(zpas[0])}
    if len(zpas) >= 2 and zpas[1].upper() in ("CS_ONLY", "CS_PS", "PS_ONLY"):
        found["cs_service"] = zpas[1].upper() != "PS_ONLY"
    return found


VENDOR_READINGS: dict[str, Callable[[Ask], VendorReadings]] = {
    "quectel": _quectel,
    "simcom": _simcom,
    "huawei": _huawei,
    "zte": _zte,
}


def read_sms_path(
    ask: Ask, vendor: str, *, creg: list[str] | None = None, rssi: int | None = None
) -> SmsPathReadings:
    """Everything the modem says about its registrations (``creg``: a fresh ``+CREG?``)."""
    cs, cs_act = registration(creg if creg is not None else ask("AT+CREG?", "+CREG:") or [],
                              "+CREG:")  # fmt: skip
    ps, _ = registration(ask("AT+CGREG?", "+CGREG:") or [], "+CGREG:")
    eps, _ = registration(ask("AT+CEREG?", "+CEREG:") or [], "+CEREG:")
    cgsms = _fields(ask("AT+CGSMS?", "+CGSMS:") or [], "+CGSMS:")
    cireg = _fields(ask("AT+CIREG?", "+CIREG:") or [], "+CIREG:")
    readings = SmsPathReadings(
        cs=cs, cs_act=cs_act, ps=ps, eps=eps, rssi=rssi,
        cgsms=int(cgsms[0]) if cgsms and cgsms[0].isdigit() else None,
        ims=cireg[1] == "1" if cireg and len(cireg) >= 2 and cireg[1].isdigit() else None,
    )  # fmt: skip
    extra = VENDOR_READINGS.get(vendor)
    if extra is None:
        return readings
    found = extra(ask)
    if found.get("rat") is None:  # an unknown radio technology keeps the reading unset
        found.pop("rat", None)
    return replace(readings, **found)


__all__ = [
    "QUIET_COMMANDS",
    "VENDORS",
    "Ask",
    "radio_technology",
    "read_pin_tries",
    "read_sms_path",
    "registration",
    "vendor_of",
]
