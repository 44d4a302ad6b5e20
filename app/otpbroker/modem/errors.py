"""Exceptions of the modem layer, one type per way an AT exchange can end badly."""

from __future__ import annotations


class ModemError(Exception):
    """Base class of every modem-layer failure."""


class ChannelClosed(ModemError):
    """The port vanished or could not be used; ``pdu_written`` tells if a PDU was already out."""

    def __init__(self, message: str, *, pdu_written: bool = False) -> None:
        super().__init__(message)
        self.pdu_written = pdu_written


class AtTimeout(ModemError):
    """The modem did not finish answering a command in time."""


class PromptTimeout(AtTimeout):
    """No ``>`` prompt after ``AT+CMGS``: nothing was sent (a definite failure)."""


class ResultTimeout(AtTimeout):
    """The PDU was sent but no ``+CMGS`` came back: the outcome is unknown."""


class CommandError(ModemError):
    """The modem answered ERROR, ``+CME ERROR: n`` or ``+CMS ERROR: n``."""

    def __init__(self, command: str, final: str) -> None:
        self.final = final
        self.kind, self.code = parse_error(final)
        super().__init__(f"{command} -> {final}")

    @property
    def error_code(self) -> str:
        """A short stable code such as ``CMS500``, ``CME16`` or ``ERROR``."""
        if self.code is None:
            return self.kind
        return f"{self.kind}{self.code}"


class PinError(ModemError):
    """The SIM is locked and will not be unlocked automatically (``tries``: PIN tries left)."""

    def __init__(self, state: str, message: str, tries: int | None = None) -> None:
        super().__init__(message)
        self.state = state
        self.tries = tries


def parse_error(final: str) -> tuple[str, int | None]:
    """Split a final error line into a kind (``CME``, ``CMS``, or the line) and a code."""
    for prefix, kind in (("+CME ERROR:", "CME"), ("+CMS ERROR:", "CMS")):
        if final.upper().startswith(prefix):
            value = final[len(prefix) :].strip()
            return kind, int(value) if value.isdigit() else None
    return final.upper().split(":")[0].strip() or "ERROR", None
