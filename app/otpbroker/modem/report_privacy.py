"""Anonymising a field report's transcript before it is written.

Identifiers (IMEI, IMSI, ICCID, the SIM's own number, the SMS centre, the test recipient)
become consistent placeholders: the same value gets the same placeholder everywhere in the
report, with the same length and kind of digits, so that the driver and the replay still
parse them. Each value is also found in its hexadecimal, UCS2-hex and swapped semi-octet
forms (``AT+CSCS="UCS2"`` replies, PDUs). Any other run of ten or more digits is replaced
too. USSD reply texts become a neutral text of the same length and coding scheme unless the
owner chose to keep them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from otpbroker.modem.pdu.gsm7 import pack_septets

_QUOTED = re.compile(r'"([^"]*)"')
_DIGIT_RUN = re.compile(r"\d{10,}")
_HEXISH = re.compile(r"[0-9A-Fa-f]+")
_CUSD = re.compile(r'^(\+CUSD:\s*\d+\s*,\s*")(.*)("\s*(?:,\s*(\d+))?)$', re.S)

KINDS = ("imei", "imsi", "iccid", "msisdn", "smsc", "recipient", "number")
_LEAD = {"imei": "35", "imsi": "00101", "iccid": "8900"}
_MIDDLE = {"msisdn": "1", "smsc": "2", "recipient": "3", "number": "5"}
_LEARN = (
    (("AT+CGSN", "AT+GSN"), "imei", re.compile(r"\d{14,17}")),
    (("AT+CIMI",), "imsi", re.compile(r"\d{6,15}")),
    (("AT+CCID", "AT^ICCID?", "AT+QCCID", "AT+ICCID", "AT+CICCID"), "iccid",
     re.compile(r"[0-9]{18,20}")),
)  # fmt: skip


def _luhn(digits: str) -> str:
    """The Luhn check digit that completes ``digits``."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _swapped(digits: str) -> str:
    """Digits as swapped semi-octets (a PDU's address), padded with F."""
    padded = digits + ("F" if len(digits) % 2 else "")
    return "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))


def decode_quoted(value: str) -> str:
    """A quoted field as text: UCS2-hex or hex-ASCII decoded when it is one of those."""
    if not value or not _HEXISH.fullmatch(value) or len(value) % 2:
        return value
    raw = bytes.fromhex(value)
    for codec, step in (("utf-16-be", 4), ("ascii", 2)):
        if len(value) % step == 0:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if text and all(c.isdigit() or c == "+" for c in text):
                return text
    return value


class Anonymiser:
    """Learns the secret values of a transcript, then cleans its lines."""

    def __init__(self) -> None:
        """No value known yet."""
        self._mapping: dict[str, str] = {}
        self._counts = dict.fromkeys(KINDS, 0)
        self._forms: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def learn(self, kind: str, value: str) -> None:
        """Treat ``value`` (digits, maybe a leading ``+``) as a secret of ``kind``."""
        digits = value.strip().lstrip("+").rstrip("Ff")
        if len(digits) < 5 or not digits.isdigit() or digits in self._mapping:
            return
        self._counts[kind] += 1
        self._mapping[digits] = self._placeholder(kind, digits, self._counts[kind])
        self._pattern = None

    def _placeholder(self, kind: str, digits: str, number: int) -> str:
        lead = _LEAD.get(kind) or digits[:2] + _MIDDLE[kind]
        if kind == "imei" and len(digits) == 15:
            body = lead + str(number).zfill(12)
            return body + _luhn(body)
        size = max(len(digits) - len(lead), len(str(number)))
        return lead + str(number).zfill(size)

    def learn_replies(self, command: str, lines: Iterable[str]) -> None:
        """Learn what a command's reply reveals (IMEI, IMSI, ICCID, own number, SMSC)."""
        lines = list(lines)
        upper = command.upper()
        for commands, kind, pattern in _LEARN:
            if upper in commands:
                for line in lines:
                    for found in pattern.findall(line):
                        self.learn(kind, found)
        if upper.startswith(("AT^ICCID", "AT+CCID", "AT+QCCID", "AT+ICCID")):
            for line in lines:  # some modems answer the ICCID swapped, as on the card
                for found in re.findall(r"[0-9Ff]{18,20}", line):
                    self.learn("iccid", _swapped(found.upper())[: len(found)])
        for prefix, kind, index in (("+CNUM:", "msisdn", 1), ("+CSCA:", "smsc", 0)):
            for line in lines:
                if line.upper().startswith(prefix):
                    quoted = _QUOTED.findall(line)
                    if len(quoted) > index:
                        self.learn(kind, decode_quoted(quoted[index]))

    def _compile(self) -> re.Pattern[str]:
        forms: dict[str, str] = {}
        for value, placeholder in self._mapping.items():
            for plain, fake in ((value, placeholder), ("+" + value, "+" + placeholder)):
                forms[plain] = fake
                forms[plain.encode().hex().upper()] = fake.encode().hex().upper()
                forms[plain.encode("utf-16-be").hex().upper()] = (
                    fake.encode("utf-16-be").hex().upper()
                )
            forms[_swapped(value)] = _swapped(placeholder)
        self._forms = forms
        alternatives = sorted(forms, key=len, reverse=True)
        return re.compile("|".join(re.escape(a) for a in alternatives) or r"(?!x)x", re.I)

    def clean(self, line: str) -> str:
        """``line`` with every known secret (every form) and long digit run replaced."""
        if self._pattern is None:
            self._pattern = self._compile()
        pattern, out, at = self._pattern, [], 0
        for match in pattern.finditer(line):  # placeholders are not looked at again
            out.append(_DIGIT_RUN.sub(self._unknown_run, line[at : match.start()]))
            out.append(self._forms[match.group(0).upper()])
            at = match.end()
        out.append(_DIGIT_RUN.sub(self._unknown_run, line[at:]))
        return "".join(out)

    def _unknown_run(self, match: re.Match[str]) -> str:
        run = match.group(0)
        if run in self._mapping.values():
            return run
        if run not in self._mapping:
            self.learn("number", run)
            self._pattern = None
        return self._mapping.get(run, "0" * len(run))


def cusd_line(line: str, anonymiser: Anonymiser, keep_text: bool) -> tuple[str, dict[str, object]]:
    """A ``+CUSD:`` line made safe, and a note of its text's length and coding scheme.

    Without ``keep_text`` the text becomes ``X``s of the same length and coding scheme;
    with it, the text is kept but cleaned of secrets like any line (decoded first when it
    is UCS2-hex)."""
    match = _CUSD.match(line)
    if match is None:
        return anonymiser.clean(line), {}
    head, text, tail, dcs_text = match.groups()
    dcs = int(dcs_text) if dcs_text else 15
    hexish = bool(_HEXISH.fullmatch(text)) and len(text) % 2 == 0
    if (dcs & 0x0C) == 0x08 and hexish and len(text) % 4 == 0:
        decoded = bytes.fromhex(text).decode("utf-16-be", "replace")
        encoding, length = "ucs2", len(text) // 4
        kept = anonymiser.clean(decoded).encode("utf-16-be").hex().upper()
        fake = "0058" * length
    elif hexish and len(text) >= 2:
        length = len(text) // 2 * 8 // 7
        encoding, kept = "gsm7-packed", anonymiser.clean(text)
        fake = pack_septets([0x58] * length).hex().upper()[: len(text)].ljust(len(text), "0")
    else:
        encoding, length, kept, fake = "text", len(text), anonymiser.clean(text), "X" * len(text)
    note: dict[str, object] = {"ussd_length": length, "ussd_encoding": encoding, "dcs": dcs,
                               "ussd_text": "kept" if keep_text else "masked"}  # fmt: skip
    return head + (kept if keep_text else fake) + tail, note


__all__ = ["Anonymiser", "cusd_line", "decode_quoted"]
