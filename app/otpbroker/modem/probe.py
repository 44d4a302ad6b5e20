"""Ask one serial port, briefly, whether a modem answers ``AT``, and who it is.

The same transport and AT channel as the driver (as hot-plug's IMEI probe uses them), with
short time-outs: a dead port, a GPS port that only streams NMEA or a DIAG port that answers
nothing costs about two seconds (two tries of one second), never a worker's minutes. The
port is opened exclusively: a port a running modem holds cannot be opened and counts as not
answering.
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


def _speaks_at(channel: AtChannel, timeout: float) -> bool:
    """True when ``AT`` gets a final result (``OK``, or an ``ERROR`` of an AT interpreter).

    Asked twice: some modems drop the first command after the port is opened (they wake
    on it). A port that answers neither costs two time-outs.
    """
    for _attempt in range(AT_ATTEMPTS):
        try:
            channel.command("AT", timeout=timeout)
        except CommandError:
            return True
        except AtTimeout:
            channel.needs_resync = False
            channel.drain(quiet=0.05, limit=0.2)
            continue
        return True
    return False


def _identity(channel: AtChannel, timeout: float) -> ProbedIdentity:
    replies: dict[str, list[str]] = {}
    for command in IDENTITY_COMMANDS:
        try:
            replies[command] = channel.command(command, timeout=timeout)
        except (AtTimeout, CommandError) as exc:
            log.debug("%s: %s", channel.name, exc)
            channel.needs_resync = False
    identity = parse_identity(replies)
    return ProbedIdentity(identity.manufacturer or "", identity.model or "", identity.imei or "")


def ask(port: str, *, identify: bool = False, timeout: float = AT_TIMEOUT) -> ProbeAnswer:
    """Open ``port``, send ``AT`` (and with ``identify`` the identity commands), close it."""
    transport = SerialTransport(SerialSettings(port=port))
    try:
        transport.open()
    except TransportError as exc:
        return ProbeAnswer(False, reason=str(exc))
    try:
        channel = AtChannel(transport, name=f"discovery {port}")
        if not _speaks_at(channel, timeout):
            return ProbeAnswer(False, reason=f"no answer to AT ({AT_ATTEMPTS} x {timeout:g} s)")
        identity = _identity(channel, max(timeout, IDENTITY_TIMEOUT)) if identify else None
        return ProbeAnswer(True, identity)
    except (ChannelClosed, ModemError, TransportError) as exc:
        return ProbeAnswer(False, reason=str(exc))
    finally:
        transport.close()


__all__ = ["ProbeAnswer", "ask"]
