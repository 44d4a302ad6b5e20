"""Result codes: what one command answers, error texts and line framing."""

from __future__ import annotations

from dataclasses import dataclass, field

OK = "OK"
ERROR = "ERROR"

CME_TEXT = {
    0: "phone failure",
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    30: "no network service",
    50: "Incorrect parameters",
    100: "unknown",
}

CMS_TEXT = {
    300: "ME failure",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    316: "SIM PUK required",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    500: "unknown error",
}


def cme_error(cmee: int, code: int) -> str:
    """The final line of a ``+CME ERROR`` as ``AT+CMEE=<cmee>`` formats it."""
    if cmee == 1:
        return f"+CME ERROR: {code}"
    if cmee == 2:
        return f"+CME ERROR: {CME_TEXT.get(code, 'unknown')}"
    return ERROR


def cms_error(cmee: int, code: int) -> str:
    """The final line of a ``+CMS ERROR`` as ``AT+CMEE=<cmee>`` formats it."""
    if cmee == 1:
        return f"+CMS ERROR: {code}"
    if cmee == 2:
        return f"+CMS ERROR: {CMS_TEXT.get(code, 'unknown error')}"
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
    """

    lines: list[str] = field(default_factory=list)
    final: str | None = OK
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    prompt: int | None = None
    data_mode: bool = False

    @property
    def failed(self) -> bool:
        """True when the final is an error (later commands on the line are skipped)."""
        return self.final is not None and self.final != OK and self.final != "CONNECT"
