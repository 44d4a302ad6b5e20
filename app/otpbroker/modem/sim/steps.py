"""What the dialogue asks the device to do, in order."""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.modem.pdu import DecodedSubmit


@dataclass(frozen=True)
class Write:
    """Write these bytes to the port now."""

    data: bytes


@dataclass(frozen=True)
class Pause:
    """Be busy for ``seconds``: read and answer nothing (interrupted by stop/unplug)."""

    seconds: float


@dataclass(frozen=True)
class Later:
    """Write ``data`` as an unsolicited line ``seconds`` from now (the modem stays usable)."""

    seconds: float
    data: bytes


@dataclass(frozen=True)
class Sent:
    """The network accepted one SMS part (the handset will receive it)."""

    part: DecodedSubmit
    message_ref: int
    pdu: str
    smsc_seconds: float = 0.0
    """The network's time for it: the wait between the PDU's Ctrl-Z and ``+CMGS``."""


@dataclass(frozen=True)
class Reboot:
    """The modem restarts now (``AT+CFUN=1,1``): off the bus, power-on, start-up lines."""


Step = Write | Pause | Later | Sent | Reboot


def written(steps: list[Step]) -> bytes:
    """Everything the steps write at once (``Later`` data excluded)."""
    return b"".join(step.data for step in steps if isinstance(step, Write))
