"""Result codes: what one command answers, error texts and line framing.

The texts are those of 3GPP TS 27.007 §9.2 (``+CME ERROR``) and TS 27.005 §3.2.5
(``+CMS ERROR``; 0..127 are the RP causes of TS 24.011 annex E.2). A personality may add
or replace texts with its vendor's own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OK = "OK"
ERROR = "ERROR"

CME_TEXT: Mapping[int, str] = {
    0: "phone failure",
    1: "no connection to phone",
    3: "operation not allowed",
    4: "operation not supported",
    5: "PH-SIM PIN required",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    15: "SIM wrong",
    16: "incorrect password",
    17: "SIM PIN2 required",
    18: "SIM PUK2 required",
    20: "memory full",
    21: "invalid index",
    22: "not found",
    23: "memory failure",
    24: "text string too long",
    25: "invalid characters in text string",
    30: "no network service",
    31: "network timeout",
    32: "network not allowed - emergency calls only",
    50: "Incorrect parameters",
    100: "unknown",
}

CMS_TEXT: Mapping[int, str] = {
    1: "Unassigned (unallocated) number",
    8: "Operator determined barring",
    10: "Call barred",
    21: "Short message transfer rejected",
    27: "Destination out of service",
    28: "Unidentified subscriber",
    29: "Facility rejected",
    30: "Unknown subscriber",
    38: "Network out of order",
    41: "Temporary failure",
    42: "Congestion",
    47: "Resources unavailable, unspecified",
    50: "Requested facility not subscribed",
    69: "Requested facility not implemented",
    96: "Invalid mandatory information",
    111: "Protocol error, unspecified",
    127: "Interworking, unspecified",
    300: "ME failure",
    301: "SMS service of ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    312: "PH-SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    315: "SIM wrong",
    316: "SIM PUK required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    500: "unknown error",
}


def cme_error(cmee: int, code: int, texts: Mapping[int, str] = CME_TEXT) -> str:
    """The final line of a ``+CME ERROR`` as ``AT+CMEE=<cmee>`` formats it."""
    if cmee == 1:
        return f"+CME ERROR: {code}"
    if cmee == 2:
        return f"+CME ERROR: {texts.get(code, CME_TEXT.get(code, 'unknown'))}"
    return ERROR


def cms_error(cmee: int, code: int, texts: Mapping[int, str] = CMS_TEXT) -> str:
    """The final line of a ``+CMS ERROR`` as ``AT+CMEE=<cmee>`` formats it."""
    if cmee == 1:
        return f"+CMS ERROR: {code}"
    if cmee == 2:
        return f"+CMS ERROR: {texts.get(code, CMS_TEXT.get(code, 'unknown error'))}"
    return ERROR


def frame(line: str | bytes) -> bytes:
    """A verbose-mode line: ``\\r\\n<line>\\r\\n``."""
    data = line if isinstance(line, bytes) else line.encode("utf-8", "replace")
    return b"\r\n" + data + b"\r\n"


@dataclass
class Reply:
    """What one command answers.

    ``lines`` are its information lines, ``final`` its result code (``None``: none yet),
    ``before``/``after`` unsolicited lines sent before/after the final; ``prompt`` asks for
    the ``AT+CMGS`` PDU prompt with that length, ``data_mode`` switches to data mode.
    ``delay`` is how long the modem is busy before it answers (a network round trip),
    ``after_delay`` how long after the final the ``after`` lines come; ``reboot`` restarts
    the modem once the final is out (``AT+CFUN=1,1``).
    """

    lines: list[str] = field(default_factory=list)
    final: str | None = OK
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    prompt: int | None = None
    data_mode: bool = False
    delay: float = 0.0
    after_delay: float = 0.0
    reboot: bool = False

    @property
    def failed(self) -> bool:
        """True when the final is an error (later commands on the line are skipped)."""
        return self.final is not None and self.final != OK and self.final != "CONNECT"
