"""Parse what a modem says about itself and its network, tolerating vendor quirks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

REGISTRATION = {
    0: "not registered",
    1: "home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "roaming",
}


@dataclass(frozen=True)
class ModemIdentity:
    """Manufacturer, model, firmware and the SIM's identity."""

    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None
    imsi: str | None = None
    msisdn: str | None = None
    smsc: str | None = None


@dataclass(frozen=True)
class NetworkStatus:
    """Signal (``AT+CSQ`` rssi 0..31, 99 unknown), registration and operator."""

    rssi: int | None = None
    registration: str = "unknown"
    operator: str | None = None

    @property
    def signal_percent(self) -> int | None:
        """Signal as 0..100, None when unknown."""
        if self.rssi is None or self.rssi >= 99 or self.rssi < 0:
            return None
        return min(100, round(self.rssi * 100 / 31))

    def with_rssi(self, rssi: int) -> NetworkStatus:
        """A copy with a new signal value (from ``^RSSI`` unsolicited lines)."""
        return replace(self, rssi=rssi)


def _strip_prefix(line: str, prefix: str) -> str:
    if line.upper().startswith(prefix):
        return line[len(prefix) :].strip()
    return line.strip()


def _first_match(lines: list[str], pattern: str, prefix: str = "") -> str | None:
    for line in lines:
        value = _strip_prefix(line, prefix) if prefix else line.strip()
        match = re.fullmatch(pattern, value.strip('"'))
        if match:
            return match.group(0)
    return None


def _text(lines: list[str], prefix: str) -> str | None:
    for line in lines:
        value = _strip_prefix(line, prefix).strip('"').strip()
        if value and "\ufffd" not in value:
            return value
    return None


def _quoted(lines: list[str], prefix: str, index: int) -> str | None:
    for line in lines:
        if line.upper().startswith(prefix):
            found = re.findall(r'"([^"]*)"', line)
            if len(found) > index and found[index]:
                return found[index]
    return None


def parse_identity(replies: dict[str, list[str]]) -> ModemIdentity:
    """Build the identity from the replies to CGMI, CGMM, CGMR, CGSN, CIMI, CNUM, CSCA?."""
    return ModemIdentity(
        manufacturer=_text(replies.get("AT+CGMI", []), "+CGMI:"),
        model=_text(replies.get("AT+CGMM", []), "+CGMM:"),
        revision=_text(replies.get("AT+CGMR", []), "+CGMR:"),
        imei=_first_match(replies.get("AT+CGSN", []), r"\d{14,17}", "+CGSN:"),
        imsi=_first_match(replies.get("AT+CIMI", []), r"\d{6,15}", "+CIMI:"),
        msisdn=_quoted(replies.get("AT+CNUM", []), "+CNUM:", 1),
        smsc=_quoted(replies.get("AT+CSCA?", []), "+CSCA:", 0),
    )


def parse_network(csq: list[str], creg: list[str], cops: list[str]) -> NetworkStatus:
    """Signal from ``+CSQ``, registration from ``+CREG`` (solicited), operator from ``+COPS``."""
    rssi = None
    for line in csq:
        match = re.match(r"\+CSQ:\s*(\d+)", line)
        if match:
            rssi = int(match.group(1))
    registration = "unknown"
    for line in creg:
        fields = [f.strip() for f in line.split(":", 1)[-1].split(",")]
        # Solicited: "<n>,<stat>[,<lac>,<ci>]"; the unsolicited form lacks <n>.
        if len(fields) in (2, 4, 5) and fields[1].isdigit():
            registration = REGISTRATION.get(int(fields[1]), "unknown")
    operator = _quoted(cops, "+COPS:", 0)
    return NetworkStatus(rssi=rssi, registration=registration, operator=operator)
