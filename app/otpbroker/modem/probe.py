"""Ask one serial port, briefly, whether a modem answers ``AT``, and who it is.

The same transport and AT channel as the driver, with short time-outs: a dead port, a GPS
port that only streams NMEA or a DIAG port that answers nothing costs about two seconds (two
tries of one second), never a worker's minutes. The port is opened exclusively: a port a
running modem holds cannot be opened and counts as not answering. Discovery asks which
port speaks AT and who the modem is; hot-plug asks a new device for its IMEI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from otpbroker.domain.usb_modems import ProbedIdentity
from otpbroker.modem.at import AtChannel
from otpbroker.modem.errors import AtTimeout, ChannelClosed, CommandError, ModemError
from otpbroker.modem.identity import parse_identity
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError

log = logging.getLogger(__name__)

AT_TIMEOUT = 1.0
AT_ATTEMPTS = 2
IDENTITY_TIMEOUT = 1.5
IDENTITY_COMMANDS = ("AT+CGMI", "AT+CGMM", "AT+CGSN")


@dataclass(frozen=True)
class ProbeAnswer:
    """Whether the port spoke AT, what it said about itself, and why not if it did not."""

    answered: bool
    identity: ProbedIdentity | None = None
    reason: str = ""


def _identity(channel: AtChannel, timeout: float) -> ProbedIdentity:
    """Maker, model and IMEI; a command the modem refuses or ignores leaves its field empty."""
    replies: dict[str, list[str]] = {}
    for command in IDENTITY_COMMANDS:
        try:
            replies[command] = channel.command(command, timeout=timeout)
        except (AtTimeout, CommandError) as exc:
            log.debug("%s: %s", channel.name, exc)
            channel.needs_resync = False
    identity = parse_identity(replies)
    return ProbedIdentity(identity.manufacturer or "", identity.model or "", identity.imei or "")


def ask(port: str, *, identify: bool = False, timeout: float = AT_TIMEOUT,
        attempts: int = AT_ATTEMPTS) -> ProbeAnswer:  # fmt: skip
    """Open ``port``, send ``AT`` (and with ``identify`` the identity commands), close it.

    ``AT`` is tried ``attempts`` times with ``timeout`` each: a final result, ``OK`` or an
    error of an AT interpreter, is an answer."""
    transport = SerialTransport(SerialSettings(port=port))
    try:
        transport.open()
    except TransportError as exc:
        return ProbeAnswer(False, reason=str(exc))
    try:
        channel = AtChannel(transport, name=f"probe {port}")
        if not channel.wake((timeout,) * attempts, error_answers=True, quiet=0.05, limit=0.2):
            return ProbeAnswer(False, reason=f"no answer to AT ({attempts} x {timeout:g} s)")
        identity = _identity(channel, max(timeout, IDENTITY_TIMEOUT)) if identify else None
        return ProbeAnswer(True, identity)
    except (ChannelClosed, ModemError, TransportError) as exc:
        return ProbeAnswer(False, reason=str(exc))
    finally:
        transport.close()


__all__ = ["ProbeAnswer", "ask"]
