"""The owner thread of one modem: the only code that touches its port.

Callers enqueue jobs and get a ``concurrent.futures.Future``. The thread opens
and initialises the modem, executes jobs one at a time (exactly one
``AT+CMGS`` in flight), dispatches unsolicited lines while idle, checks the
modem's health, and reconnects by itself after a wedge, garbage or unplug.
Jobs queued while the modem is away wait for it until their deadline.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace

from otpbroker.domain.message import SendOutcome
from otpbroker.modem import pdu
from otpbroker.modem.at import AtChannel
from otpbroker.modem.errors import ModemError, PinError
from otpbroker.modem.gsm import GsmModem, ModemOptions, SmsResult, UssdError
from otpbroker.modem.identity import ModemIdentity, NetworkStatus
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModemStatus:
    """A snapshot of one modem for the monitor, the router and ``/metrics``."""

    modem_id: str
    port: str
    state: str = "disconnected"
    identity: ModemIdentity = ModemIdentity()
    network: NetworkStatus = NetworkStatus()
    last_error: str | None = None
    connected_since: float | None = None
    queue_depth: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    cmms: bool = False

    @property
    def connected(self) -> bool:
        """True when the modem is initialised and can send."""
        return self.state == "ready"


@dataclass
class _Job:
    kind: str
    future: Future
    deadline: float
    number: str = ""
    text: str = ""
    code: str = ""

    def __repr__(self) -> str:  # never show the text
        return f"_Job({self.kind}, deadline={self.deadline:.1f})"


StatusListener = Callable[[ModemStatus], None]
ReportListener = Callable[[str, pdu.StatusReport], None]


class ModemWorker:
    """Owns one modem port through its whole life, reconnecting as needed."""

    def __init__(
        self,
        modem_id: str,
        settings: SerialSettings,
        options: ModemOptions | None = None,
        *,
        on_status: StatusListener | None = None,
        on_status_report: ReportListener | None = None,
        reconnect_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0),
        health_interval: float = 30.0,
    ) -> None:
        self.modem_id = modem_id
        self._settings = settings
        self._options = options or ModemOptions()
        self._on_status = on_status
        self._on_status_report = on_status_report
        self._delays = reconnect_delays
        self._health_interval = health_interval
        self._lock = threading.Lock()
        self._jobs: deque[_Job] = deque()
        self._status = ModemStatus(modem_id=modem_id, port=settings.port)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._stopping = threading.Event()
        self._reconfigure = False
        self._retry_now = False  # hot-plug: the device just appeared, skip the back-off
        self._unplugged = False  # hot-plug: the device just disappeared
        self._thread = threading.Thread(target=self._run, name=f"modem-{modem_id}", daemon=True)
        self._transport: SerialTransport | None = None
        self._modem: GsmModem | None = None

    # -- public API (any thread) -------------------------------------------------------
    def start(self) -> None:
        """Start the owner thread."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; jobs not started are cancelled (their senders may retry)."""
        self._stopping.set()
        self._wake()
        self._thread.join(timeout)
        with self._lock:
            pending, self._jobs = list(self._jobs), deque()
        for job in pending:
            job.future.cancel()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    @property
    def status(self) -> ModemStatus:
        """The latest status snapshot."""
        with self._lock:
            return replace(self._status, queue_depth=len(self._jobs))

    @property
    def connected(self) -> bool:
        """True when the modem is ready to send (cheaper than a full status copy)."""
        with self._lock:
            return self._status.state == "ready"

    @property
    def options(self) -> ModemOptions:
        """The options in force."""
        return self._options

    def reconfigure(self, settings: SerialSettings, options: ModemOptions) -> None:
        """Apply new settings: the modem is reopened and re-initialised with them."""
        with self._lock:
            self._settings, self._options = settings, options
            self._reconfigure = True
        self._wake()

    def retry_now(self) -> None:
        """Its device just appeared: reconnect at once instead of after the back-off."""
        with self._lock:
            self._retry_now = True
        self._wake()

    def unplugged(self) -> None:
        """Its device just disappeared: drop the connection now and show it as unplugged
        (no reconnect attempts while its port is missing)."""
        with self._lock:
            self._unplugged = True
        self._wake()

    def validate_sms(self, number: str, text: str) -> int:
        """Raise a ``PduError`` for a message this modem could never send; return its parts."""
        parts = pdu.encode_submit(number, text, max_parts=self._options.max_parts)
        return len(parts)

    def submit_sms(
        self, number: str, text: str, *, queue_timeout: float = 120.0, validated: bool = False
    ) -> Future:
        """Queue an SMS; the future resolves to an ``SmsResult``.

        Validates first unless the caller already did (``validated``, with the same limits).
        """
        if not validated:
            self.validate_sms(number, text)
        return self._enqueue(_Job("sms", Future(), time.monotonic() + queue_timeout, number, text))

    def submit_ussd(self, code: str, *, queue_timeout: float = 60.0) -> Future:
        """Queue a USSD request; the future resolves to the decoded reply text."""
        return self._enqueue(_Job("ussd", Future(), time.monotonic() + queue_timeout, code=code))

    def _enqueue(self, job: _Job) -> Future:
        if self._stopping.is_set():
            raise ModemError(f"modem {self.modem_id} is stopped")
        with self._lock:
            self._jobs.append(job)
        self._wake()
        return job.future

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"\0")

    # -- owner thread ----------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                if self._reconfigure:
                    self._disconnect("reconfigured", state="disconnected")
                    with self._lock:
                        self._reconfigure = False
                attempt = self._hotplug(attempt)
                if self._modem is None:
                    self._expire_jobs()
                    if self._status.state == "unplugged":
                        self._sleep(self._delays[-1])  # until it is back (hot-plug wakes us)
                        continue
                    if self._status.state in PERMANENT_STATES or not self._connect():
                        delay = self._delays[min(attempt, len(self._delays) - 1)]
                        attempt += 1
                        self._sleep(1.0 if self._status.state in PERMANENT_STATES else delay)
                        continue
                    attempt = 0
                job = self._pop_job()
                if job is None:
                    self._idle()
                else:
                    self._execute(job)
            except Exception:  # the owner thread must never die
                log.exception("modem %s: unexpected error", self.modem_id)
                self._disconnect("internal error")
                self._sleep(1.0)
        self._disconnect("stopped", state="stopped")

    def _hotplug(self, attempt: int) -> int:
        """Act on ``retry_now`` / ``unplugged``; returns the back-off attempt to go on with."""
        with self._lock:
            retry, unplugged = self._retry_now, self._unplugged
            self._retry_now = self._unplugged = False
        if unplugged and not os.path.exists(self._settings.port):
            self._disconnect("device unplugged", state="unplugged")
        if retry:
            if self._status.state == "unplugged":
                self._set(state="disconnected")
            return 0
        if self._status.state == "unplugged" and os.path.exists(self._settings.port):
            self._set(state="disconnected")  # back without an event (e.g. a missed one)
        return attempt

    def _connect(self) -> bool:
        self._set(state="connecting")
        transport = SerialTransport(self._settings)
        try:
            transport.open()
            channel = AtChannel(transport, name=f"modem {self.modem_id}")
            modem = GsmModem(channel, self._options)
            modem.on_status_report = self._report
            modem.initialise()
        except PinError as exc:
            transport.close()
            self._set(state=exc.state, last_error=str(exc))
            log.error("modem %s: %s", self.modem_id, exc)
            return False
        except (ModemError, TransportError) as exc:
            transport.close()
            self._note_error(f"cannot initialise: {exc}")
            self._set(state="disconnected")
            return False
        self._transport, self._modem = transport, modem
        self._set(
            state="ready",
            identity=modem.identity,
            network=modem.network,
            connected_since=time.time(),
            cmms=modem.cmms_enabled,
            last_error=None,
        )
        log.info(
            "modem %s ready on %s (IMEI %s)",
            self.modem_id,
            self._settings.port,
            modem.identity.imei,
        )
        return True

    def _disconnect(self, reason: str, *, state: str = "disconnected") -> None:
        if self._transport is not None:
            self._transport.close()
            level = logging.INFO if state == "stopped" else logging.WARNING
            log.log(level, "modem %s disconnected: %s", self.modem_id, reason)
        self._transport, self._modem = None, None
        keep = self._status.state in PERMANENT_STATES and state != "unplugged"
        if not keep or state == "stopped" or self._reconfigure:
            self._set(state=state, connected_since=None)

    def _note_error(self, error: str) -> None:
        if error != self._status.last_error:  # log a failure only when it changes
            log.error("modem %s: %s", self.modem_id, error)
        self._set(last_error=error)

    def _report(self, report: pdu.StatusReport) -> None:
        if self._on_status_report is not None:
            self._on_status_report(self.modem_id, report)

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = replace(self._status, queue_depth=len(self._jobs))
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("modem %s: status listener failed", self.modem_id)

    def _sleep(self, seconds: float) -> None:
        select.select([self._wake_r], [], [], seconds)
        self._drain_wake()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def _pop_job(self) -> _Job | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs else None

    def _expire_jobs(self) -> None:
        """Fail jobs whose deadline passed while the modem was away (never started)."""
        now = time.monotonic()
        with self._lock:
            expired = [job for job in self._jobs if job.deadline <= now]
            self._jobs = deque(job for job in self._jobs if job.deadline > now)
        for job in expired:
            if job.future.set_running_or_notify_cancel():
                job.future.set_result(self._unavailable(job))

    def _unavailable(self, job: _Job) -> SmsResult | Exception:
        reason = f"modem {self.modem_id} unavailable ({self._status.state})"
        if job.kind == "sms":
            return SmsResult(SendOutcome.FAILED, error_code="MODEM_UNAVAILABLE", error=reason)
        return ModemError(reason)

    def _idle(self) -> None:
        transport, modem = self._transport, self._modem
        assert transport is not None and modem is not None
        try:
            fd = transport.fileno()
            ready, _, _ = select.select([fd, self._wake_r], [], [], self._health_interval)
            if self._wake_r in ready:
                self._drain_wake()
            if fd in ready:
                modem.channel.poll(0)
                self._set(network=modem.network)
            elif not ready:
                self._set(network=modem.refresh_network())
        except (ModemError, TransportError) as exc:
            self._note_error(str(exc))
            self._disconnect(str(exc))

    def _execute(self, job: _Job) -> None:
        modem = self._modem
        assert modem is not None
        if job.deadline <= time.monotonic():
            if job.future.set_running_or_notify_cancel():
                job.future.set_result(self._unavailable(job))
            return
        if not job.future.set_running_or_notify_cancel():
            return  # the sender gave up before it started: nothing was sent
        if job.kind == "ussd":
            self._run_ussd(modem, job)
            return
        result = modem.send_sms(job.number, job.text)
        counter = {SendOutcome.SENT: "sent", SendOutcome.FAILED: "failed"}.get(
            result.outcome, "unknown"
        )
        with self._lock:
            self._status = replace(self._status, **{counter: getattr(self._status, counter) + 1})
        job.future.set_result(result)
        if result.outcome is not SendOutcome.SENT:
            self._note_error(f"send {result.outcome.value}: {result.error_code}")
        if modem.channel_lost:
            self._disconnect(result.error or "port lost")
        else:
            self._resync_after_timeout(modem)

    def _resync_after_timeout(self, modem: GsmModem) -> None:
        """After a time-out, check at once that the modem answers; reconnect if it does not."""
        if not modem.channel.needs_resync:
            return
        try:
            modem.channel.resync()
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")

    def _run_ussd(self, modem: GsmModem, job: _Job) -> None:
        try:
            job.future.set_result(modem.ussd(job.code))
        except ModemError as exc:
            job.future.set_exception(exc)
            if not isinstance(exc, UssdError):
                self._disconnect(str(exc))
                return
        self._resync_after_timeout(modem)


PERMANENT_STATES = ("pin_required", "pin_rejected", "puk_required", "no_sim", "sim_error")
