"""One GSM modem on an AT channel: initialise, identify, send SMS, run USSD (``ussd.py``).

Used only from the modem's owner thread (see ``worker.py``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from otpbroker.domain.inbound import SimSlot
from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.domain.sms_path import SmsPathVerdict, diagnose
from otpbroker.modem import pdu
from otpbroker.modem.at import AtChannel, Urc
from otpbroker.modem.encoded import EncodedMessage
from otpbroker.modem.errors import (
    AtTimeout,
    ChannelClosed,
    CommandError,
    PromptTimeout,
    ResultTimeout,
)
from otpbroker.modem.identity import ModemIdentity, NetworkStatus, parse_identity, parse_network
from otpbroker.modem.inbox import parse_cmti
from otpbroker.modem.pdu.validity import validity_within
from otpbroker.modem.pin import RefusedPin, SimUnlocker
from otpbroker.modem.ussd import UssdRequest
from otpbroker.modem.vendors import QUIET_COMMANDS, read_sms_path, vendor_of

log = logging.getLogger(__name__)

BUSY_CODES = {14, 515}  # SIM busy, device busy: back off and retry
PORT_GONE = "PORT_GONE"


@dataclass(frozen=True)
class ModemOptions:
    """How a modem is driven; every time-out is configurable."""

    pin: str | None = None
    smsc: str | None = None
    use_cmms: bool = True
    ussd_packed: bool = False
    status_reports: bool = False
    prompt_timeout: float = 10.0
    result_timeout: float = 60.0
    command_timeout: float = 5.0
    wake_timeout: float = 1.0
    """The first ``AT`` after opening waits this long, the next ones twice and three times."""
    ussd_timeout: float = 30.0
    pin_timeout: float = 10.0
    """How long the SIM may take to answer the PIN (it is never sent twice)."""
    validity: int | None = None
    init_commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmsResult:
    """What became of one (possibly multipart) SMS on this modem.

    ``path_check``: what the SMS-path check the owner thread makes right after an
    unclassified error found, before it hands the result back (``PathCheck``)."""

    outcome: SendOutcome
    references: tuple[int, ...] = ()
    parts: int = 0
    error_code: str | None = None
    error: str | None = None
    path_check: PathCheck = PathCheck.NOT_CHECKED


class GsmModem:
    """High-level operations over one ``AtChannel``."""

    def __init__(self, channel: AtChannel, options: ModemOptions) -> None:
        self.channel = channel
        channel.on_urc = self.handle_urc
        self.options = options
        self.identity = ModemIdentity()
        self.network = NetworkStatus()
        self.charset = "GSM"
        self.cmms_enabled = False
        self.channel_lost = False
        self.vendor = "generic"
        self.pin_tries: int | None = None
        self.sms_path: SmsPathVerdict | None = None
        self._concat_ref = 0
        self._ussd: UssdRequest | None = None
        self.status_reports: list[pdu.StatusReport] = []
        self.on_status_report: Callable[[pdu.StatusReport], None] | None = None
        self.new_messages: list[SimSlot] = []  # +CMTI notices not read yet (inbox.py)
        self.routed: list[str] = []  # +CMT PDUs routed to us without being stored

    # -- unsolicited lines ----------------------------------------------------------
    def handle_urc(self, urc: Urc) -> None:
        """Called by the channel for every unsolicited line."""
        upper = urc.line.upper()
        if upper.startswith("+CUSD:") and self._ussd is not None:
            self._ussd.heard(urc.line)
        elif upper.startswith("+CDS:") and urc.payload:
            self._status_report(urc.payload)
        elif upper.startswith("+CMTI:"):
            slot = parse_cmti(urc.line)
            if slot is not None and slot not in self.new_messages:
                self.new_messages.append(slot)
        elif upper.startswith("+CMT:") and urc.payload:
            self.routed.append(urc.payload)
        elif upper.startswith(("^RSSI:", "+CSQ:", "+CSQN:")):
            value = re.search(r"(\d+)", urc.line)
            if value:
                self.network = self.network.with_rssi(int(value.group(1)))

    def _status_report(self, payload: str) -> None:
        try:
            report = pdu.decode_status_report(payload, with_smsc=True)
        except pdu.PduError:
            try:
                report = pdu.decode_status_report(payload, with_smsc=False)
            except pdu.PduError:
                log.warning("%s: undecodable status report ignored", self.channel.name)
                return
        callback = self.on_status_report
        if callback is not None:
            callback(report)

    # -- commands with the busy back-off ---------------------------------------------
    def at(
        self, command: str, *, timeout: float | None = None, expect: str | None = None
    ) -> list[str]:
        """Run a command; retry briefly while the SIM or device reports busy."""
        for attempt in range(6):
            try:
                return self.channel.command(
                    command, timeout=timeout or self.options.command_timeout, expect=expect
                )
            except CommandError as exc:
                if exc.code not in BUSY_CODES or attempt == 5:
                    raise
                time.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    def _try(self, command: str, expect: str | None = None) -> list[str] | None:
        """Run an optional command; None if the modem refuses it."""
        try:
            return self.at(command, expect=expect)
        except CommandError:
            return None

    # -- start-up ---------------------------------------------------------------------
    def initialise(self, *, refused_pin: RefusedPin | None = None) -> None:
        """Bring the modem to a known state; raises PinError for a locked SIM.

        ``refused_pin``: a PIN this SIM rejected or did not confirm before, never entered
        again.
        """
        self.channel.drain()
        self._wake()
        self.at("ATE0")
        self._try("AT+CMEE=1")
        replies = {cmd: self._try(cmd, expect) or [] for cmd, expect in _IDENTITY_COMMANDS[:2]}
        maker = parse_identity(replies)
        self.vendor = vendor_of(maker.manufacturer, maker.model)
        for command in QUIET_COMMANDS.get(self.vendor, ()):
            self._try(command)
        unlocker = SimUnlocker(self.at, self._try, self.vendor, self.channel,
                               pin_timeout=self.options.pin_timeout)  # fmt: skip
        try:
            unlocker.unlock(self.options.pin, refused_pin)
        finally:
            self.pin_tries = unlocker.tries
        self._configure()
        for command, expect in _IDENTITY_COMMANDS[2:]:
            replies[command] = self._try(command, expect) or []
        self.identity = parse_identity(replies)
        self.refresh_network()

    def _configure(self) -> None:
        """PDU mode, character set, indications, burst mode and the configured extras."""
        self.at("AT+CMGF=0")
        if self._try('AT+CSCS="GSM"') is None:
            reply = self._try("AT+CSCS?", expect="+CSCS:")
            match = re.search(r'"([^"]+)"', " ".join(reply or []))
            self.charset = match.group(1).upper() if match else "GSM"
        ds = 1 if self.options.status_reports else 0
        self._try(f"AT+CNMI=2,1,0,{ds},0")
        self.cmms_enabled = False
        if self.options.use_cmms:
            self.cmms_enabled = self._try("AT+CMMS=2") is not None
            if not self.cmms_enabled:
                log.info("%s: AT+CMMS=2 refused, burst mode off", self.channel.name)
        for extra in self.options.init_commands:
            self._try(extra)

    def _wake(self) -> None:
        """Get an ``OK`` to ``AT`` (a modem may need a few tries after opening)."""
        if not self.channel.wake(self.options.wake_timeout * n for n in (1, 2, 3)):
            raise AtTimeout(f"{self.channel.name}: no answer to AT")

    def refresh_network(self) -> NetworkStatus:
        """Read signal, registration and operator, and diagnose the SMS path."""
        creg = self._try("AT+CREG?", "+CREG:") or []
        self.network = parse_network(
            csq=self._try("AT+CSQ", "+CSQ:") or [],
            creg=creg,
            cops=self._try("AT+COPS?", "+COPS:") or [],
        )
        self.diagnose(creg)
        return self.network

    def diagnose(self, creg: list[str] | None = None) -> SmsPathVerdict:
        """Read every registration the modem reports and decide its SMS path."""
        readings = read_sms_path(self._try, self.vendor, creg=creg, rssi=self.network.rssi)
        verdict = diagnose(readings)
        if self.sms_path is None or verdict.code != self.sms_path.code:
            level = logging.INFO if verdict.available is not False else logging.WARNING
            log.log(level, "%s: SMS path %s (%s)", self.channel.name, verdict.path.value,
                    verdict.reason)  # fmt: skip
        self.sms_path = verdict
        return verdict

    # -- SMS --------------------------------------------------------------------------
    def send_sms(self, message: EncodedMessage, time_left: float | None = None) -> SmsResult:
        """Send every part; classify the result as sent, failed (definite) or unknown.

        ``message`` is encoded already: only this modem's SMSC, validity, status-report
        request and concatenation reference are added to it (``EncodedMessage.pdus``).
        ``time_left``: seconds until the message expires (None: it does not); the validity
        period asked of the SMSC is then at most that (``validity_for``)."""
        parts = message.pdus(
            smsc=self.options.smsc or None,
            validity=validity_for(self.options.validity, time_left),
            status_report=self.options.status_reports,
            reference=self._concat_ref,
        )
        if len(parts) > 1:
            self._concat_ref = (self._concat_ref + 1) % 256
        references: list[int] = []
        for index, part in enumerate(parts):
            try:
                reply = self.channel.send_pdu(
                    part.tpdu_length,
                    part.hex,
                    prompt_timeout=self.options.prompt_timeout,
                    result_timeout=self.options.result_timeout,
                )
            except (PromptTimeout, CommandError) as exc:
                code = exc.error_code if isinstance(exc, CommandError) else "NO_PROMPT"
                return self._failed(index, references, len(parts), code, str(exc))
            except ResultTimeout as exc:
                return SmsResult(
                    SendOutcome.UNKNOWN, tuple(references), len(parts), "TIMEOUT", str(exc)
                )
            except AtTimeout as exc:  # the modem stopped answering before AT+CMGS went out
                self.channel_lost = True
                return self._failed(index, references, len(parts), "NO_ANSWER", str(exc))
            except ChannelClosed as exc:
                self.channel_lost = True
                if exc.pdu_written:
                    return SmsResult(
                        SendOutcome.UNKNOWN, tuple(references), len(parts), PORT_GONE, str(exc)
                    )
                return self._failed(index, references, len(parts), PORT_GONE, str(exc))
            references.append(_message_reference(reply))
        return SmsResult(SendOutcome.SENT, tuple(references), len(parts))

    @staticmethod
    def _failed(index: int, refs: list[int], total: int, code: str, error: str) -> SmsResult:
        """A definite error on the first part fails the message; a later one leaves it partial."""
        if index == 0:
            return SmsResult(SendOutcome.FAILED, (), total, code, error)
        return SmsResult(
            SendOutcome.UNKNOWN, tuple(refs), total, code, f"part {index + 1} of {total}: {error}"
        )

    # -- USSD -------------------------------------------------------------------------
    def ussd(self, code: str, timeout: float | None = None) -> str:
        """Run a USSD code and return the decoded reply text (``ussd.py``)."""
        request = UssdRequest(code, packed=self.options.ussd_packed)
        self._ussd = request
        try:
            return request.run(self.at, self._try, self.channel.poll, self.charset,
                               timeout or self.options.ussd_timeout)  # fmt: skip
        finally:
            self._ussd = None


_IDENTITY_COMMANDS = (
    ("AT+CGMI", None),
    ("AT+CGMM", None),
    ("AT+CGMR", None),
    ("AT+CGSN", "+CGSN:"),
    ("AT+CIMI", "+CIMI:"),
    ("AT+CNUM", "+CNUM:"),
    ("AT+CSCA?", "+CSCA:"),
)


def validity_for(configured: int | None, time_left: float | None) -> int | None:
    """The TP-VP octet for a message with ``time_left`` seconds (None: no expiry): the
    longest relative period within the time left (at least 5 minutes), and never above the
    configured one (``configured``; None: none set, the network's default)."""
    if time_left is None:
        return configured
    fitting = validity_within(time_left)
    return fitting if configured is None else min(configured, fitting)


def _message_reference(reply: list[str]) -> int:
    for line in reply:
        match = re.match(r"\+CMGS:\s*(\d+)", line)
        if match:
            return int(match.group(1))
    return -1


__all__ = ["GsmModem", "ModemOptions", "SmsResult", "validity_for"]
