"""The owner thread of one modem: the only code that touches its port.

Callers enqueue jobs and get a ``concurrent.futures.Future``. The thread opens and
initialises the modem, runs jobs one at a time (``runner.py``; exactly one ``AT+CMGS`` in
flight), reads received SMS between them (``inbox.py``), dispatches unsolicited lines while
idle, checks the modem's health and SMS path, and reconnects by itself after a wedge,
garbage or unplug. A modem that answered once and
stops answering goes down the recovery ladder (``ladder_steps.Recovery``): re-open,
reboot, USB reset, then ``dead``. Jobs queued while the modem is away wait for it until
their deadline, except while it is being recovered: then they fail at once (never
started), so another modem takes them. Its status lives in a ``StatusKeeper``
(``status.py``), its wake-up pipe in a ``WakePipe`` (``wake.py``).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from otpbroker.domain.inbound import InboundPartListener
from otpbroker.domain.modem_states import PERMANENT_STATES
from otpbroker.modem import pdu
from otpbroker.modem.at import AtChannel
from otpbroker.modem.encoded import EncodedMessage
from otpbroker.modem.errors import AtTimeout, ChannelClosed, ModemError, PinError
from otpbroker.modem.gsm import GsmModem, ModemOptions
from otpbroker.modem.inbox import Inbox, InboxCounts
from otpbroker.modem.jobs import Job, JobQueue, expire_unstarted, fail_unstarted, stop_unstarted
from otpbroker.modem.ladder_steps import Recovery, ResetUsb, stuck
from otpbroker.modem.pin import REFUSED_AGAIN, RefusedPin
from otpbroker.modem.recovery import RecoveryPolicy, Rung, await_startup
from otpbroker.modem.runner import JobRunner
from otpbroker.modem.send_metrics import SendMetrics
from otpbroker.modem.status import ModemStatus, StatusKeeper, StatusListener
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError
from otpbroker.modem.wake import WakePipe

log = logging.getLogger(__name__)


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
        recheck_interval: float = 5.0,
        reset_usb: ResetUsb | None = None,
        recovery: RecoveryPolicy | None = None,
        wall_clock: Callable[[], float] = time.time,
        send_metrics: SendMetrics | None = None,
        on_inbound: InboundPartListener | None = None,
        inbound_poll: Callable[[], float | None] | None = None,
    ) -> None:
        """``recheck_interval``: how often a modem without an SMS path is diagnosed again;
        ``reset_usb``: the USB reset rung of the recovery ladder (None: skipped);
        ``wall_clock``: what messages' expiries are compared with (``time.time``);
        ``send_metrics``: where each send's latency and ``+CMS ERROR`` class go (None: nowhere);
        ``on_inbound``: takes each received SMS part (``inbox.py``), ``inbound_poll``: the
        seconds between listings of the SIM, None while reading is off (no listener: off)."""
        self.modem_id = modem_id
        self._settings = settings
        self._options = options or ModemOptions()
        self._on_status_report = on_status_report
        self._delays = reconnect_delays
        self._health_interval = health_interval
        self._recheck_interval = recheck_interval
        self._status = StatusKeeper(modem_id, settings.port, on_status)
        self._recovery = Recovery(
            modem_id, recovery or RecoveryPolicy(), reset_usb, settings=lambda: self._settings,
            pause=self._pause, report=self._status.set, fail_pending=self._fail_pending,
        )  # fmt: skip
        self._refused_pin: RefusedPin | None = None  # rejected or unconfirmed: never again
        self._lock = threading.Lock()
        self._jobs = JobQueue()
        self._wake = WakePipe()  # closed by the owner thread as it ends
        self._stopping = threading.Event()
        self._reconfigure = False
        self._retry_now = False  # hot-plug: the device just appeared, skip the back-off
        self._unplugged = False  # hot-plug: the device just disappeared
        self._recover = False  # the administrator: start the recovery over
        self._wall_clock = wall_clock
        on_send = functools.partial(send_metrics.record, modem_id) if send_metrics else None
        self._runner = JobRunner(self._status, self._disconnect, wall_clock, on_send)
        self._thread = threading.Thread(target=self._run, name=f"modem-{modem_id}", daemon=True)
        self._transport: SerialTransport | None = None
        self._modem: GsmModem | None = None
        self._on_inbound, self._inbound_poll = on_inbound, inbound_poll
        self._inbox: Inbox | None = None
        self._health_at: float | None = None  # when the idle health check is due
        self.inbox_counts = InboxCounts()
        """Received parts, stored status reports and undecodable messages read so far."""

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
        self._wake.wake()
        if self._thread.ident is None:  # never started: nobody else closes the pipe
            self._wake.close()
        else:
            self._thread.join(timeout)
        for job in self._jobs.take_all():
            job.future.cancel()
        return not self._thread.is_alive()

    def close_queue(self) -> None:
        """The device is stopping: the job running now (a send on the air) finishes, every
        other one, queued now or later, ends unstarted (``STOPPING``, nothing sent)."""
        stop_unstarted(self._jobs.close())

    @property
    def status(self) -> ModemStatus:
        """The latest status snapshot (immutable: the owner thread swaps in a new one on each
        change, so reading it costs nothing and it is always consistent)."""
        return self._status.now

    @property
    def on_status(self) -> StatusListener | None:
        """Told every status change (set it before ``start``)."""
        return self._status.listener

    @on_status.setter
    def on_status(self, listener: StatusListener | None) -> None:
        self._status.listener = listener

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
        self._wake.wake()

    def recover(self) -> None:
        """The administrator's retry: a ``dead`` or recovering modem starts the ladder over."""
        with self._lock:
            self._recover = True
        self._wake.wake()

    def retry_now(self) -> None:
        """Its device just appeared: reconnect at once instead of after the back-off."""
        with self._lock:
            self._retry_now = True
        self._wake.wake()

    def unplugged(self) -> None:
        """Its device just disappeared: drop the connection now and show it as unplugged
        (no reconnect attempts while its port is missing)."""
        with self._lock:
            self._unplugged = True
        self._wake.wake()

    def submit_sms(
        self,
        message: EncodedMessage,
        *,
        queue_timeout: float = 120.0,
        expires_at: float | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> Future:
        """Queue an SMS encoded once (``encoded.encode_sms``); the future resolves to an
        ``SmsResult``. The owner thread writes that encoding with this modem's settings,
        unless ``expires_at`` (wall clock) has passed by then (``SendOutcome.EXPIRED``),
        calling ``before_send`` immediately before its first ``AT+CMGS``."""
        deadline = time.monotonic() + queue_timeout
        job = Job("sms", Future(), deadline, message, expires_at=expires_at,
                  before_send=before_send)  # fmt: skip
        return self._enqueue(job)

    def submit_ussd(self, code: str, *, queue_timeout: float = 60.0) -> Future:
        """Queue a USSD request; the future resolves to the decoded reply text."""
        return self._enqueue(Job("ussd", Future(), time.monotonic() + queue_timeout, code=code))

    def submit_port_job(self, use: Callable[[Any], Any], *, queue_timeout: float = 60.0) -> Future:
        """Queue ``use(transport)`` on the owner thread (the port is the modem's meanwhile);
        the modem is set up again afterwards (reconnected)."""
        return self._enqueue(Job("port", Future(), time.monotonic() + queue_timeout,
                                 use_port=use))  # fmt: skip

    def _enqueue(self, job: Job) -> Future:
        if self._stopping.is_set():
            raise ModemError(f"modem {self.modem_id} is stopped")
        if not self._jobs.add(job):
            stop_unstarted([job])  # the device is stopping
        self._wake.wake()
        return job.future

    # -- owner thread ----------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                if self._reconfigure:
                    self._disconnect("reconfigured", state="disconnected")
                    with self._lock:
                        self._reconfigure = False
                    self._status.set(port=self._settings.port)
                    if not self._recovery.own_cycle():
                        self._recovery.start_over()
                attempt = self._hotplug(attempt)
                if self._modem is None:
                    attempt = self._reconnect(attempt)
                    continue
                self._inbound_turn()
                if self._modem is None:
                    continue
                job = self._jobs.pop()
                if job is None:
                    self._idle()
                else:
                    self._execute(job)
            except Exception:  # the owner thread must never die
                log.exception("modem %s: unexpected error", self.modem_id)
                self._disconnect("internal error")
                self._wake.sleep(1.0)
        try:
            self._disconnect("stopped", state="stopped")
        finally:
            self._wake.close()

    def _reconnect(self, attempt: int) -> int:
        """One connection attempt (or a wait); returns the back-off attempt to go on with."""
        state = self._status.now.state
        if state == "dead":
            self._fail_pending()  # nobody will send them: another modem may
        else:
            self._expire_jobs()
        if state in ("unplugged", "dead"):
            self._wake.sleep(self._delays[-1])  # until it is back (hot-plug or admin wake us)
            return attempt
        if state in PERMANENT_STATES:
            self._wake.sleep(1.0)
            return attempt
        failure = self._connect()
        if failure is None:
            return 0
        if failure in ("pin", "stopping"):
            return attempt
        if self._recovery.climbs(failure) and self._recovery.climb() is not Rung.RETRY:
            return 0  # rebooted, reset or dead: the next attempt is a fresh start
        self._wake.sleep(self._delays[min(attempt, len(self._delays) - 1)])
        return attempt + 1

    def _hotplug(self, attempt: int) -> int:
        """Act on ``retry_now`` / ``unplugged`` / ``recover``; returns the back-off attempt.

        Events caused by our own reboot or USB reset neither unplug nor start over."""
        with self._lock:
            retry, unplugged, recover = self._retry_now, self._unplugged, self._recover
            self._retry_now = self._unplugged = self._recover = False
        own = self._recovery.own_cycle()
        if unplugged and not own and not os.path.exists(self._settings.port):
            self._disconnect("device unplugged", state="unplugged")
            self._recovery.start_over()
            return 0  # gone: a retry or recovery asked before it went has nothing to act on
        if recover or (retry and not own):
            self._recovery.start_over()
            if self._status.now.state in ("dead", "recovering"):
                log.info("modem %s: recovery starts over", self.modem_id)
                self._status.set(state="disconnected", recovery=None)
        if retry or recover:
            if self._status.now.state == "unplugged":
                self._status.set(state="disconnected")
            return 0
        if self._status.now.state == "unplugged" and os.path.exists(self._settings.port):
            self._status.set(state="disconnected")  # back without an event (e.g. a missed one)
        return attempt

    def _connect(self) -> str | None:
        """Open and initialise; None when ready, else why not: ``pin``, ``no_answer``
        (silent), ``stuck`` (its SIM stays busy), ``refused`` (it answered, but not as
        needed), ``no_port``, ``open_failed``, ``stopping``."""
        if self._stopping.is_set():
            return "stopping"
        if not self._recovery.climbing:
            self._status.set(state="connecting")
        transport = SerialTransport(self._settings)
        channel = AtChannel(transport, name=f"modem {self.modem_id}")
        modem = GsmModem(channel, self._options)
        modem.on_status_report = self._report
        try:
            transport.open()
            if self._recovery.take_boot():
                await_startup(channel, self._recovery.policy, self._stopping.is_set)
                if self._stopping.is_set():
                    transport.close()
                    return "stopping"
            modem.initialise(refused_pin=self._refused_pin)
        except PinError as exc:
            transport.close()
            if exc.state in REFUSED_AGAIN and self._options.pin:
                self._refused_pin = RefusedPin(self._options.pin, exc.state)
            self._status.set(state=exc.state, last_error=str(exc), pin_tries=exc.tries,
                      vendor=modem.vendor, recovery=None)  # fmt: skip
            log.error("modem %s: %s", self.modem_id, exc)
            return "pin"
        except (ModemError, TransportError) as exc:
            transport.close()
            self._status.note_error(f"cannot initialise: {exc}")
            if not self._recovery.climbing:
                self._status.set(state="disconnected")
            return self._failure_kind(exc)
        self._transport, self._modem = transport, modem
        self._health_at = None
        if self._on_inbound is not None:
            self._inbox = Inbox(self.modem_id, modem.at, self._on_inbound, self._report,
                                self.inbox_counts)  # fmt: skip
        self._recovery.ready()
        self._status.set(
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
        keep = self._status.now.state in PERMANENT_STATES and state != "unplugged"
        if not keep or state == "stopped" or self._reconfigure:
            self._status.set(state=state, connected_since=None)

    def _report(self, report: pdu.StatusReport) -> None:
        if self._on_status_report is not None:
            self._on_status_report(self.modem_id, report)

    def _pause(self, seconds: float) -> bool:
        """Sleep; False when something asks the owner thread to act (stop, new settings, the
        administrator's retry): the recovery's waits end then."""
        self._wake.sleep(seconds)
        with self._lock:
            return not (self._stopping.is_set() or self._reconfigure or self._recover)

    def _expire_jobs(self) -> None:
        """Fail jobs whose deadline passed while the modem was away, and end those whose
        expiry passed as expired (never started)."""
        fail_unstarted(self._jobs.expired(), self._unavailable())
        now = self._wall_clock()
        expire_unstarted(self._jobs.outlived(now), now)

    def _fail_pending(self) -> None:
        """Fail every waiting job now (never started): another modem may take them."""
        fail_unstarted(self._jobs.take_all(), self._unavailable())

    def _unavailable(self) -> str:
        return f"modem {self.modem_id} unavailable ({self._status.now.state})"

    def _idle(self) -> None:
        transport, modem = self._transport, self._modem
        assert transport is not None and modem is not None
        if self._inbox is not None and (modem.new_messages or modem.routed):
            return  # a notice came in while the inbox read: its turn comes first
        try:
            fd = transport.fileno()
            interval = self._health_interval
            if modem.sms_path is not None and modem.sms_path.available is False:
                interval = min(interval, self._recheck_interval)
            now = time.monotonic()
            if self._health_at is None:  # the wait starts over after any activity
                self._health_at = now + interval
            health_in = max(0.0, min(self._health_at - now, interval))
            inbox_in = health_in + 1.0
            if self._inbox is not None and self._poll_seconds() is not None:
                inbox_in = self._inbox.wait_limit(now)
            readable, woken = self._wake.wait(fd, min(health_in, inbox_in))
            if not readable and not woken and inbox_in < health_in:
                return  # the SIM's listing is due (the health check keeps its time)
            self._health_at = None
            if readable:
                modem.channel.poll(0)
                self._status.set(network=modem.network)
            elif not woken and not self._status.set(
                network=modem.refresh_network(), sms_path=modem.sms_path
            ):
                self._status.tell()  # unchanged, but told: how long a state lasts counts
        except (ModemError, TransportError) as exc:
            self._status.note_error(str(exc))
            self._disconnect(str(exc))

    def _poll_seconds(self) -> float | None:
        """Seconds between listings of the SIM; None while reading received SMS is off."""
        return self._inbound_poll() if self._inbound_poll is not None else None

    def _inbound_turn(self) -> None:
        """Between jobs: read received messages when a notice came or a listing is due."""
        modem, inbox = self._modem, self._inbox
        if modem is None or inbox is None:
            return
        try:
            inbox.turn(modem.new_messages, modem.routed, self._poll_seconds())
        except (ModemError, TransportError) as exc:
            self._status.note_error(str(exc))
            self._disconnect(str(exc))

    def _execute(self, job: Job) -> None:
        modem = self._modem
        assert modem is not None
        if job.deadline <= time.monotonic():
            fail_unstarted([job], self._unavailable())
        else:
            self._runner.run(modem, job)


__all__ = ["ModemStatus", "ModemWorker", "ReportListener", "ResetUsb", "StatusListener"]
