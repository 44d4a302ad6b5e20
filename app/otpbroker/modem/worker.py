"""The owner thread of one modem: the only code that touches its port.

Callers enqueue jobs and get a ``concurrent.futures.Future``. The thread opens
and initialises the modem, executes jobs one at a time (exactly one
``AT+CMGS`` in flight), dispatches unsolicited lines while idle, checks the
modem's health and SMS path, and reconnects by itself after a wedge, garbage or
unplug. A modem that answered once and stops answering goes down the recovery
ladder (``recovery.py``): re-open, reboot, USB reset, then ``dead``. Jobs queued
while the modem is away wait for it until their deadline, except while it is
being recovered: then they fail at once (never started), so another modem takes them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.domain.modem_states import PERMANENT_STATES
from otpbroker.domain.send_errors import needs_diagnosis
from otpbroker.modem import pdu
from otpbroker.modem.at import AtChannel
from otpbroker.modem.errors import AtTimeout, ChannelClosed, ModemError, PinError
from otpbroker.modem.gsm import GsmModem, ModemOptions, SmsResult, UssdError
from otpbroker.modem.jobs import Job, JobQueue
from otpbroker.modem.ladder_steps import LadderSteps, ResetUsb, stuck
from otpbroker.modem.pin import REFUSED_AGAIN, RefusedPin
from otpbroker.modem.recovery import RecoveryLadder, RecoveryPolicy, await_startup
from otpbroker.modem.status import ModemStatus
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError

log = logging.getLogger(__name__)


StatusListener = Callable[[ModemStatus], None]
ReportListener = Callable[[str, pdu.StatusReport], None]


class ModemWorker(LadderSteps):
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
        recheck_interval: float = 5.0,
        reset_usb: ResetUsb | None = None,
        recovery: RecoveryPolicy | None = None,
    ) -> None:
        """``recheck_interval``: how often a modem without an SMS path is diagnosed again;
        ``reset_usb``: the USB reset rung of the recovery ladder (None: skipped)."""
        self.modem_id = modem_id
        self._settings = settings
        self._options = options or ModemOptions()
        self.on_status = on_status
        """Told every status change (set it before ``start``)."""
        self._on_status_report = on_status_report
        self._delays = reconnect_delays
        self._health_interval = health_interval
        self._recheck_interval = recheck_interval
        self._reset_usb = reset_usb
        self._ladder = RecoveryLadder(recovery or RecoveryPolicy(), usb_reset=reset_usb is not None)
        self._answered = False  # it was ready once: silence from now on climbs the ladder
        self._booting = False  # the next connection first awaits the start-up lines
        self._own_cycle_until = 0.0  # hot-plug events of our own reboot/reset restart nothing
        self._refused_pin: RefusedPin | None = None  # rejected or unconfirmed: never again
        self._lock = threading.Lock()
        self._jobs = JobQueue()
        self._status = ModemStatus(modem_id=modem_id, port=settings.port)
        self._wake_lock = threading.Lock()  # the wake pipe is closed once, by its owner
        self._wake_r, self._wake_w = os.pipe()
        self._wake_open = True
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._stopping = threading.Event()
        self._reconfigure = False
        self._retry_now = False  # hot-plug: the device just appeared, skip the back-off
        self._unplugged = False  # hot-plug: the device just disappeared
        self._recover = False  # the administrator: start the recovery over
        self._thread = threading.Thread(target=self._run, name=f"modem-{modem_id}", daemon=True)
        self._transport: SerialTransport | None = None
        self._modem: GsmModem | None = None

    # -- public API (any thread) -------------------------------------------------------
    def start(self) -> None:
        """Start the owner thread."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the thread; jobs not started are cancelled (their senders may retry).

        True when the thread ended within ``timeout``. One still busy (a send on the air, a
        rung of the recovery ladder) ends by itself as soon as it can: it closes its own
        port and wake pipe, and a replacement worker is never touched by it."""
        self._stopping.set()
        self._wake()
        if self._thread.ident is None:  # never started: nobody else closes the pipe
            self._close_wake()
        else:
            self._thread.join(timeout)
        for job in self._jobs.take_all():
            job.future.cancel()
        return not self._thread.is_alive()

    @property
    def status(self) -> ModemStatus:
        """The latest status snapshot (immutable: the owner thread swaps in a new one on each
        change, so reading it costs nothing and it is always consistent)."""
        return self._status

    @property
    def queued(self) -> int:
        """Jobs waiting for the owner thread (not started yet)."""
        return len(self._jobs)

    @property
    def options(self) -> ModemOptions:
        """The options in force."""
        return self._options

    def reconfigure(self, settings: SerialSettings, options: ModemOptions) -> None:
        """Apply new settings: the modem is reopened and re-initialised with them.

        A new PIN may be entered (once); a PIN the SIM rejected, or the modem did not
        confirm, never again."""
        with self._lock:
            if options.pin != self._options.pin:
                self._refused_pin = None
            self._settings, self._options = settings, options
            self._reconfigure = True
        self._wake()

    def recover(self) -> None:
        """The administrator's retry: a ``dead`` or recovering modem starts the ladder over."""
        with self._lock:
            self._recover = True
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
        return self._enqueue(Job("sms", Future(), time.monotonic() + queue_timeout, number, text))

    def submit_ussd(self, code: str, *, queue_timeout: float = 60.0) -> Future:
        """Queue a USSD request; the future resolves to the decoded reply text."""
        return self._enqueue(Job("ussd", Future(), time.monotonic() + queue_timeout, code=code))

    def _enqueue(self, job: Job) -> Future:
        if self._stopping.is_set():
            raise ModemError(f"modem {self.modem_id} is stopped")
        self._jobs.add(job)
        self._wake()
        return job.future

    def _wake(self) -> None:
        with self._wake_lock:
            if self._wake_open:  # a closed descriptor's number may belong to someone else
                with contextlib.suppress(BlockingIOError, OSError):
                    os.write(self._wake_w, b"\0")

    def _close_wake(self) -> None:
        with self._wake_lock:
            if self._wake_open:
                self._wake_open = False
                for fd in (self._wake_r, self._wake_w):
                    with contextlib.suppress(OSError):
                        os.close(fd)

    # -- owner thread ----------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                if self._reconfigure:
                    self._disconnect("reconfigured", state="disconnected")
                    with self._lock:
                        self._reconfigure = False
                    self._set(port=self._settings.port)
                    if time.monotonic() >= self._own_cycle_until:
                        self._ladder.reset()
                attempt = self._hotplug(attempt)
                if self._modem is None:
                    attempt = self._reconnect(attempt)
                    continue
                job = self._jobs.pop()
                if job is None:
                    self._idle()
                else:
                    self._execute(job)
            except Exception:  # the owner thread must never die
                log.exception("modem %s: unexpected error", self.modem_id)
                self._disconnect("internal error")
                self._sleep(1.0)
        try:
            self._disconnect("stopped", state="stopped")
        finally:
            self._close_wake()

    def _reconnect(self, attempt: int) -> int:
        """One connection attempt (or a wait); returns the back-off attempt to go on with."""
        state = self._status.state
        if state == "dead":
            self._fail_pending()  # nobody will send them: another modem may
        else:
            self._expire_jobs()
        if state in ("unplugged", "dead"):
            self._sleep(self._delays[-1])  # until it is back (hot-plug or the admin wakes us)
            return attempt
        if state in PERMANENT_STATES:
            self._sleep(1.0)
            return attempt
        failure = self._connect()
        if failure is None:
            return 0
        if failure in ("pin", "stopping"):
            return attempt
        climbs = self._answered and (
            failure in ("no_answer", "stuck") or (failure == "no_port" and self._ladder.climbing)
        )
        if not climbs:
            self._sleep(self._delays[min(attempt, len(self._delays) - 1)])
            return attempt + 1
        return self._climb(attempt)

    def _hotplug(self, attempt: int) -> int:
        """Act on ``retry_now`` / ``unplugged`` / ``recover``; returns the back-off attempt.

        Events caused by our own reboot or USB reset neither unplug nor start over."""
        with self._lock:
            retry, unplugged, recover = self._retry_now, self._unplugged, self._recover
            self._retry_now = self._unplugged = self._recover = False
        own = time.monotonic() < self._own_cycle_until
        if unplugged and not own and not os.path.exists(self._settings.port):
            self._disconnect("device unplugged", state="unplugged")
            self._ladder.reset()
        if recover or (retry and not own):
            self._ladder.reset()
            if self._status.state in ("dead", "recovering"):
                log.info("modem %s: recovery starts over", self.modem_id)
                self._set(state="disconnected", recovery=None)
        if retry or recover:
            if self._status.state == "unplugged":
                self._set(state="disconnected")
            return 0
        if self._status.state == "unplugged" and os.path.exists(self._settings.port):
            self._set(state="disconnected")  # back without an event (e.g. a missed one)
        return attempt

    def _connect(self) -> str | None:
        """Open and initialise; None when ready, else why not: ``pin``, ``no_answer``
        (silent), ``stuck`` (its SIM stays busy), ``refused`` (it answered, but not as
        needed), ``no_port``, ``open_failed``, ``stopping``."""
        if self._stopping.is_set():
            return "stopping"
        if not self._ladder.climbing:
            self._set(state="connecting")
        transport = SerialTransport(self._settings)
        channel = AtChannel(transport, name=f"modem {self.modem_id}")
        modem = GsmModem(channel, self._options)
        modem.on_status_report = self._report
        try:
            transport.open()
            if self._booting:
                self._booting = False
                await_startup(channel, self._ladder.policy, self._stopping.is_set)
                if self._stopping.is_set():
                    transport.close()
                    return "stopping"
            modem.initialise(refused_pin=self._refused_pin)
        except PinError as exc:
            transport.close()
            if exc.state in REFUSED_AGAIN and self._options.pin:
                self._refused_pin = RefusedPin(self._options.pin, exc.state)
            self._set(state=exc.state, last_error=str(exc), pin_tries=exc.tries,
                      vendor=modem.vendor, recovery=None)  # fmt: skip
            log.error("modem %s: %s", self.modem_id, exc)
            return "pin"
        except (ModemError, TransportError) as exc:
            transport.close()
            self._note_error(f"cannot initialise: {exc}")
            if not self._ladder.climbing:
                self._set(state="disconnected")
            return self._failure_kind(exc)
        self._transport, self._modem = transport, modem
        self._answered = True
        self._ladder.reset()
        self._set(
            state="ready", identity=modem.identity, network=modem.network,
            connected_since=time.time(), cmms=modem.cmms_enabled, last_error=None,
            last_error_code=None, vendor=modem.vendor, sms_path=modem.sms_path, pin_tries=None,
            recovery=None,
        )  # fmt: skip
        log.info(
            "modem %s ready on %s (IMEI %s)",
            self.modem_id,
            self._settings.port,
            modem.identity.imei,
        )
        return None

    def _failure_kind(self, exc: Exception) -> str:
        if isinstance(exc, TransportError):
            return "open_failed" if os.path.exists(self._settings.port) else "no_port"
        if isinstance(exc, AtTimeout | ChannelClosed):
            return "no_answer"
        return "stuck" if stuck(exc) else "refused"

    def _disconnect(self, reason: str, *, state: str = "disconnected") -> None:
        if self._transport is not None:
            self._transport.close()
            level = logging.INFO if state == "stopped" else logging.WARNING
            log.log(level, "modem %s disconnected: %s", self.modem_id, reason)
        self._transport, self._modem = None, None
        keep = self._status.state in PERMANENT_STATES and state != "unplugged"
        if not keep or state == "stopped" or self._reconfigure:
            self._set(state=state, connected_since=None)

    def _note_error(self, error: str, code: str | None = None) -> None:
        if error != self._status.last_error:  # log a failure only when it changes
            log.error("modem %s: %s", self.modem_id, error)
        self._set(last_error=error, last_error_code=code)

    def _report(self, report: pdu.StatusReport) -> None:
        if self._on_status_report is not None:
            self._on_status_report(self.modem_id, report)

    def _set(self, **changes: object) -> bool:
        """Change the status and tell the listener; nothing happens (and False comes back)
        when every value is the same already, e.g. after unsolicited noise that changes
        nothing (ZTE's ``+ZPASR`` cannot be switched off)."""
        current = self._status
        if all(getattr(current, name) == value for name, value in changes.items()):
            return False
        self._status = replace(current, **changes)  # type: ignore[arg-type]
        self._tell()
        return True

    def _tell(self) -> None:
        """Hand the current status to the listener."""
        listener = self.on_status
        if listener is not None:
            try:
                listener(self._status)
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

    def _expire_jobs(self) -> None:
        """Fail jobs whose deadline passed while the modem was away (never started)."""
        self._fail(self._jobs.expired())

    def _fail_pending(self) -> None:
        """Fail every waiting job now (never started): another modem may take them."""
        self._fail(self._jobs.take_all())

    def _fail(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.future.set_running_or_notify_cancel():
                job.future.set_result(self._unavailable(job))

    def _unavailable(self, job: Job) -> SmsResult | Exception:
        reason = f"modem {self.modem_id} unavailable ({self._status.state})"
        if job.kind == "sms":
            return SmsResult(SendOutcome.FAILED, error_code="MODEM_UNAVAILABLE", error=reason)
        return ModemError(reason)

    def _idle(self) -> None:
        transport, modem = self._transport, self._modem
        assert transport is not None and modem is not None
        try:
            fd = transport.fileno()
            interval = self._health_interval
            if modem.sms_path is not None and modem.sms_path.available is False:
                interval = min(interval, self._recheck_interval)
            ready, _, _ = select.select([fd, self._wake_r], [], [], interval)
            if self._wake_r in ready:
                self._drain_wake()
            if fd in ready:
                modem.channel.poll(0)
                self._set(network=modem.network)
            elif not ready and not self._set(
                network=modem.refresh_network(), sms_path=modem.sms_path
            ):
                self._tell()  # unchanged, but each refresh is told: how long a state lasts counts
        except (ModemError, TransportError) as exc:
            self._note_error(str(exc))
            self._disconnect(str(exc))

    def _execute(self, job: Job) -> None:
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
        if result.outcome is SendOutcome.SENT:
            self._count(result)
            job.future.set_result(result)  # nothing else to find out first
        else:
            self._failed(modem, job, result)

    def _failed(self, modem: GsmModem, job: Job, result: SmsResult) -> None:
        """A send that did not go through: note it, check the SMS path when the error calls
        for it (before the caller decides where the message goes next), then the modem."""
        self._count(result)
        self._note_error(f"send {result.outcome.value}: {result.error_code}", result.error_code)
        diagnose = needs_diagnosis(result.error_code) and not modem.channel_lost
        if diagnose and not modem.channel.needs_resync:
            checked = self._diagnose(modem)
            if checked is not None:
                result = replace(result, path_check=checked)
            diagnose = checked is None
        job.future.set_result(result)
        if modem.channel_lost:
            self._disconnect(result.error or "port lost")
            return
        self._resync_after_timeout(modem)
        if diagnose and self._modem is modem:
            self._diagnose(modem)
        if self._modem is modem:
            self._check_sim(modem, result.error_code)

    def _count(self, result: SmsResult) -> None:
        """One more sent, failed or unknown message in the status (nobody is told: a count
        is no change of state)."""
        counter = {SendOutcome.SENT: "sent", SendOutcome.FAILED: "failed"}.get(
            result.outcome, "unknown"
        )
        self._status = replace(self._status, **{counter: getattr(self._status, counter) + 1})

    def _diagnose(self, modem: GsmModem) -> PathCheck | None:
        """Check the SMS path now (after an unclassified error); what it found, None when
        the modem could not be asked."""
        try:
            verdict = modem.diagnose()
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")
            return None
        self._set(sms_path=verdict)
        return PathCheck.NO_PATH if verdict.available is False else PathCheck.HAS_PATH

    def _resync_after_timeout(self, modem: GsmModem) -> None:
        """After a time-out, check at once that the modem answers; reconnect if it does not."""
        if not modem.channel.needs_resync:
            return
        try:
            modem.channel.resync(min(2.0, modem.options.command_timeout))
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")

    def _run_ussd(self, modem: GsmModem, job: Job) -> None:
        try:
            job.future.set_result(modem.ussd(job.code))
        except ModemError as exc:
            job.future.set_exception(exc)
            if not isinstance(exc, UssdError):
                self._disconnect(str(exc))
                return
        self._resync_after_timeout(modem)


__all__ = ["ModemStatus", "ModemWorker", "ReportListener", "ResetUsb", "StatusListener"]
