"""ModemPool: every configured modem's owner thread behind the domain's ModemGateway port.

Routing sees each modem as a ``ModemRoute``: healthy when it is ready and not known to lack
an SMS path, otherwise with the reason it is out of routing (``domain.routing``). Every
status change of a modem is also handed on as its route (``on_route``), so the services can
raise and clear alerts and notice a new SIM.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.delivery import Lane
from otpbroker.domain.errors import InvalidMessageError, InvalidNumberError
from otpbroker.domain.inbound import InboundReader
from otpbroker.domain.message import STOPPING_CODE, Delivery, OutboundSms, SendOutcome
from otpbroker.domain.ports import EncodedSms
from otpbroker.domain.routing import (
    INACTIVE_WORDS,
    NOT_RUNNING_WORDS,
    REMOVED_WORDS,
    ModemRoute,
    Words,
)
from otpbroker.domain.sim_quota import NO_PACING, PacingRule
from otpbroker.modem import pdu
from otpbroker.modem.dispatch import Dispatcher, DispatcherClosed
from otpbroker.modem.encoded import EncodedMessage, encode_sms
from otpbroker.modem.gsm import ModemOptions, SmsResult
from otpbroker.modem.on_air import GaveUp, OnAir
from otpbroker.modem.pacing import PacingGate, nothing_written, quota_route
from otpbroker.modem.recovery import RecoveryPolicy
from otpbroker.modem.send_metrics import HistogramView, SendMetrics
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import (
    ModemStatus,
    ModemWorker,
    ReportListener,
    ResetUsb,
    StatusListener,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModemSpec:
    """One configured modem: how to open it, how to drive it, how to route to it."""

    modem_id: str
    name: str
    serial: SerialSettings
    options: ModemOptions
    prefixes: tuple[str, ...] = ()
    default: bool = False
    active: bool = True
    send_from_api: bool = True
    pacing: PacingRule = NO_PACING


class ModemPool:
    """Starts, reconfigures and stops workers to match the configured modems."""

    def __init__(
        self,
        *,
        on_status: StatusListener | None = None,
        on_status_report: ReportListener | None = None,
        reconnect_delays: tuple[float, ...] | None = None,
        on_route: Callable[[ModemRoute], None] | None = None,
        reset_usb: ResetUsb | None = None,
        recovery: RecoveryPolicy | None = None,
        recheck_interval: float | None = None,
        health_interval: float | None = None,
        wall_clock: Callable[[], float] = time.time,
        gate: PacingGate | None = None,
        inbound: InboundReader | None = None,
    ) -> None:
        """``on_route``: told each modem's route whenever its status changes;
        ``reset_usb``: the USB-reset rung of every modem's recovery ladder (None: none);
        ``wall_clock``: what messages' expiries are compared with (``time.time``);
        ``gate``: the SIMs' gaps and caps (None: no pacing);
        ``inbound``: takes every modem's received SMS parts and says how often each SIM is
        listed (None: received SMS are not read; ``worker.py``, ``inbox.py``)."""
        self._lock = threading.Lock()
        self._wall_clock = wall_clock
        extra: dict[str, object] = {"reset_usb": reset_usb, "recovery": recovery,
                                    "wall_clock": wall_clock}  # fmt: skip
        if inbound is not None:
            extra["on_inbound"], extra["inbound_poll"] = inbound.take, inbound.poll_seconds
        if reconnect_delays is not None:
            extra["reconnect_delays"] = reconnect_delays
        if recheck_interval is not None:
            extra["recheck_interval"] = recheck_interval
        if health_interval is not None:
            extra["health_interval"] = health_interval
        self.send_metrics = SendMetrics()  # each modem's send latency and +CMS ERROR classes
        extra["send_metrics"] = self.send_metrics
        self._worker_extra = extra
        self._specs: dict[str, ModemSpec] = {}
        self._workers: dict[str, ModemWorker] = {}
        self._routes: dict[str, ModemRoute] = {}  # kept current: routing reads it per send
        self.gate = gate or PacingGate()
        self._dispatcher = Dispatcher(self.gate, wall_clock)
        self._on_air = OnAir()  # the sends handed to a modem, until their outcome
        self._on_status = on_status
        self._on_route = on_route
        self._on_status_report = on_status_report

    # -- configuration ----------------------------------------------------------------------
    def apply(self, specs: Sequence[ModemSpec]) -> None:
        """Make the running workers match ``specs`` (inactive modems get no worker)."""
        wanted = {spec.modem_id: spec for spec in specs}
        to_stop: list[ModemWorker] = []
        with self._lock:
            for modem_id in list(self._workers):
                spec = wanted.get(modem_id)
                if spec is None or not spec.active:
                    to_stop.append(self._retire(modem_id))
            for modem_id, spec in wanted.items():
                worker = self._workers.get(modem_id)
                old = self._specs.get(modem_id)
                if not spec.active:
                    continue
                if worker is None:
                    self._workers[modem_id] = self._start_worker(spec)
                elif old is not None and (old.serial, old.options) != (spec.serial, spec.options):
                    worker.reconfigure(spec.serial, spec.options)
            self._specs = wanted
            self.gate.configure({modem_id: spec.pacing for modem_id, spec in wanted.items()})
            self._routes = {modem_id: _route(spec, self._status_of(modem_id))
                            for modem_id, spec in wanted.items()}  # fmt: skip
        self._stop_all(to_stop)

    def _status_of(self, modem_id: str) -> ModemStatus | None:
        """The status of the modem's running worker, None without one (lock held)."""
        worker = self._workers.get(modem_id)
        return worker.status if worker is not None else None

    def _start_worker(self, spec: ModemSpec) -> ModemWorker:
        """A worker for ``spec``, started; it reports its status changes as itself (lock held)."""
        worker = ModemWorker(
            spec.modem_id,
            spec.serial,
            spec.options,
            on_status_report=self._on_status_report,
            **self._worker_extra,  # type: ignore[arg-type]
        )
        worker.on_status = functools.partial(self._status_changed, worker)
        worker.start()
        return worker

    def _retire(self, modem_id: str) -> ModemWorker:
        """Take a worker out of the pool: no message reaches it from now on (lock held)."""
        self._dispatcher.set_ready(modem_id, False)
        return self._workers.pop(modem_id)

    def _stop_all(self, workers: list[ModemWorker]) -> None:
        """Stop retired workers and report their modems out of routing (alerts end)."""
        for worker in workers:
            if not worker.stop():
                log.warning("modem %s: its old owner thread is still busy; it ends by itself "
                            "and no longer reports", worker.modem_id)  # fmt: skip
            self._report_gone(worker.modem_id)

    def _report_gone(self, modem_id: str) -> None:
        """Tell ``on_route`` that a modem without a worker is out (deactivated or removed),
        unless a new worker runs for it by now (that one reports for itself)."""
        with self._lock:
            if modem_id in self._workers:
                return
            spec = self._specs.get(modem_id)
        if self._on_route is None:
            return
        if spec is None:
            self._on_route(ModemRoute(modem_id, active=False, healthy=False,
                                      reason="inactive", reason_text="removed",
                                      reason_words=(REMOVED_WORDS,)))  # fmt: skip
        else:
            self._on_route(_route(spec, None))

    def finish_sends(self) -> None:
        """The device is stopping: sends waiting for a modem, or queued on one, end unstarted
        (``STOPPING``), and none starts from now on; a send on the air finishes."""
        self._dispatcher.close()
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.close_queue()

    def wait_sends(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until no send is on the air; True when none is."""
        return self._on_air.wait_idle(timeout)

    def give_up_sends(self) -> int:
        """The stop's bound: every caller still waiting for a send on the air gets the
        outcome ``unknown`` now (the modem may still send it); how many there were."""
        return self._on_air.give_up()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every worker, all at once, waiting up to ``timeout`` seconds in all for
        their threads (one still on the air ends by itself as soon as its modem answers)."""
        with self._lock:
            workers = [self._retire(modem_id) for modem_id in list(self._workers)]
        for worker in workers:
            worker.stop(0.0)  # asked at once: every port closes in parallel
        deadline = time.monotonic() + timeout
        for worker in workers:
            if not worker.stop(max(0.0, deadline - time.monotonic())):
                log.warning("modem %s: its owner thread is still on the air at the stop; it "
                            "closes the port when the modem answers", worker.modem_id)  # fmt: skip

    def waiting(self) -> int:
        """Messages waiting for a free modem now."""
        return self._dispatcher.waiting()

    def queue_depths(self) -> dict[str, int]:
        """Messages queued for each running modem now: the waiting sends it could take (one
        with several choices counts for each) and the jobs on its worker not started yet."""
        waiting = self._dispatcher.waiting_for()
        with self._lock:
            workers = dict(self._workers)
        return {modem_id: waiting.get(modem_id, 0) + worker.queued
                for modem_id, worker in workers.items()}  # fmt: skip

    def send_histograms(self) -> dict[str, HistogramView]:
        """Each modem's send-latency histogram (sends that ended sent)."""
        return self.send_metrics.histograms()

    def cms_errors(self) -> dict[tuple[str, str], int]:
        """``+CMS ERROR`` answers to sends, by (modem, error class)."""
        return self.send_metrics.cms_errors()

    def busy(self) -> frozenset[str]:
        """The modems a message is on now (taken from the waiting line, outcome not known)."""
        return self._dispatcher.busy()

    # -- the ModemGateway port -------------------------------------------------------------
    def routes(self) -> list[ModemRoute]:
        """Routing view of every configured modem (see the module docstring).

        Kept up to date on every status change and configuration, so a send only copies it;
        a modem at one of its SIM's caps is shown out of routing (``quota``) until it has room.
        """
        with self._lock:
            routes = list(self._routes.values())
        return [quota_route(self.gate, route) for route in routes]

    def _status_changed(self, worker: ModemWorker, status: ModemStatus) -> None:
        """``worker``'s status changed: tell the dispatcher and the listeners.

        Only the pool's current worker of a modem speaks for it: a stopped one that is still
        finishing a long step (a send on the air, a USB reset) is not heard, so it can never
        make its replacement look unready."""
        with self._lock:
            if self._workers.get(status.modem_id) is not worker:
                return
            self._dispatcher.set_ready(status.modem_id, status.connected)
            spec = self._specs.get(status.modem_id)
            route = _route(spec, status) if spec is not None else None
            if route is not None:
                self._routes[status.modem_id] = route
        if self._on_status is not None:
            self._on_status(status)
        if self._on_route is not None and route is not None:
            self._on_route(route)

    def encode(self, sms: OutboundSms, max_parts: int) -> EncodedMessage:
        """``sms`` encoded once (``encoded.py``): every attempt on any modem writes this
        encoding. InvalidMessageError / InvalidNumberError when it cannot be sent."""
        try:
            return encode_sms("+" + sms.msisdn, sms.text, max_parts)
        except pdu.InvalidNumberError as exc:
            raise InvalidNumberError(str(exc), reason="pdu") from exc
        except pdu.MessageTooLongError as exc:
            raise InvalidMessageError(str(exc), reason="too_long") from exc
        except pdu.PduError as exc:
            raise InvalidMessageError(str(exc), reason="empty") from exc

    def send(
        self,
        modem_ids: Sequence[str],
        message: EncodedSms,
        timeout: float,
        *,
        lane: Lane = Lane.OTP,
        expires_at: float | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> Delivery:
        """Send ``message`` (from ``encode``) on the first of ``modem_ids`` to be free (see
        ``dispatch``), waiting in ``lane``. Waits ``timeout`` for one to take it, then for
        its outcome. Once ``expires_at`` (wall clock) has passed, it is no longer sent: the
        modem's owner thread checks it right before writing (``SendOutcome.EXPIRED``);
        ``before_send`` is called immediately before its first ``AT+CMGS``.
        QuotaReachedError when every one of them is at a cap (nothing was sent)."""
        if not isinstance(message, EncodedMessage):
            raise TypeError(f"ModemPool.send takes what ModemPool.encode made, not {message!r}")
        if expires_at is not None and expires_at <= self._wall_clock():
            return _expired(modem_ids, expires_at, self._wall_clock())
        with self._lock:
            running = [modem_id for modem_id in modem_ids if modem_id in self._workers]
        if not running:
            named = ", ".join(modem_ids) or "none"
            return Delivery(SendOutcome.FAILED, modem_ids[0] if len(modem_ids) == 1 else None,
                            error_code="MODEM_UNAVAILABLE",
                            error=f"modem {named} is not running")  # fmt: skip
        deadline = time.monotonic() + timeout
        ticket = self.gate.ticket(message.destination, lane)
        try:
            modem_id = self._dispatcher.acquire(
                running, timeout, ticket, lane=lane, expires_at=expires_at
            )
        except DispatcherClosed:
            return Delivery(SendOutcome.FAILED, running[0] if len(running) == 1 else None,
                            error_code=STOPPING_CODE,
                            error="the device is stopping; not sent")  # fmt: skip
        if modem_id is None:
            if expires_at is not None and expires_at <= self._wall_clock():
                return _expired(running, expires_at, self._wall_clock())
            return Delivery(
                SendOutcome.FAILED,
                running[0] if len(running) == 1 else None,
                error_code="QUEUE_TIMEOUT",
                error=f"no modem of {', '.join(running)} was free to take it in {timeout:g} s",
            )
        self.gate.flush()  # the count is on disk before the SMS is on the air
        delivery: Delivery | None = None
        try:
            left = max(0.0, deadline - time.monotonic())
            delivery = self._send_on(modem_id, message, left, expires_at, before_send)
            return delivery
        finally:
            self.gate.finish(modem_id, give_back=nothing_written(delivery))
            self._dispatcher.release(modem_id)
            self.gate.flush()

    def _send_on(
        self,
        modem_id: str,
        message: EncodedMessage,
        timeout: float,
        expires_at: float | None,
        before_send: Callable[[], None] | None = None,
    ) -> Delivery:
        """Send on the modem the dispatcher gave this message; its outcome."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is None:
            return Delivery(SendOutcome.FAILED, modem_id, error_code="MODEM_UNAVAILABLE",
                            error=f"modem {modem_id} is not running")  # fmt: skip
        future = worker.submit_sms(
            message, queue_timeout=timeout, expires_at=expires_at, before_send=before_send
        )
        result = self._await(modem_id, future, timeout)
        if isinstance(result, Delivery):
            return result
        return Delivery(
            result.outcome,
            modem_id,
            result.references[0] if result.references else None,
            result.parts,
            result.error_code,
            result.error,
            path_check=result.path_check,
            message_references=tuple(result.references),
        )

    def _await(self, modem_id: str, future: Future[Any], timeout: float) -> SmsResult | Delivery:
        """The send's result, or the Delivery of a send that ended without one: not taken in
        ``timeout``, or stopped (never started: ``STOPPING``; on the air at the stop's bound:
        ``unknown``)."""
        try:
            try:
                return self._on_air.result(future, timeout)
            except FutureTimeout:
                if future.cancel():  # never started: nothing went out
                    return Delivery(SendOutcome.FAILED, modem_id, error_code="QUEUE_TIMEOUT",
                                    error=f"modem {modem_id} did not take the message "
                                          f"in {timeout:g} s")  # fmt: skip
                return self._on_air.result(future, None)  # on the air: its time-outs bound it
        except GaveUp as gave_up:
            if not gave_up.started:
                return Delivery(SendOutcome.FAILED, modem_id, error_code=STOPPING_CODE,
                                error="the device is stopping; not sent")  # fmt: skip
            return Delivery(SendOutcome.UNKNOWN, modem_id, error_code="STOP_TIMEOUT",
                            error=f"modem {modem_id} had not answered when the device "
                                  "stopped; it may have sent the message")  # fmt: skip
        except CancelledError:
            return Delivery(SendOutcome.FAILED, modem_id, error_code="MODEM_STOPPED",
                            error=f"modem {modem_id} stopped before sending")  # fmt: skip

    # -- operations and status ---------------------------------------------------------------
    def ussd(self, modem_id: str, code: str, timeout: float = 60.0) -> str:
        """Run a USSD code on one modem and return the decoded reply."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is None:
            raise LookupError(f"modem {modem_id} is not running")
        return worker.submit_ussd(code).result(timeout)

    def with_port(self, modem_id: str, use: Callable[[Any], Any], timeout: float = 300.0) -> Any:
        """Run ``use(transport)`` on one modem's owner thread (its port lent meanwhile)."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is None:
            raise LookupError(f"modem {modem_id} is not running")
        return worker.submit_port_job(use).result(timeout)

    def recover(self, modem_id: str) -> bool:
        """The administrator's retry: a dead or recovering modem starts over. False if it
        is not running."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is not None:
            worker.recover()
        return worker is not None

    def retry_now(self, modem_id: str) -> bool:
        """Hot-plug: the modem's device appeared; reconnect at once. False if not running."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is not None:
            worker.retry_now()
        return worker is not None

    def mark_unplugged(self, modem_id: str) -> bool:
        """Hot-plug: the modem's device disappeared. False if not running."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is not None:
            worker.unplugged()
        return worker is not None

    def statuses(self) -> list[ModemStatus]:
        """Status snapshots of the running modems."""
        with self._lock:
            workers = list(self._workers.values())
        return [worker.status for worker in workers]

    def names(self) -> dict[str, str]:
        """Configured modem names by id."""
        with self._lock:
            return {spec.modem_id: spec.name for spec in self._specs.values()}


def _expired(modem_ids: Sequence[str], expires_at: float, now: float) -> Delivery:
    """A message whose expiry passed before any modem took it (never sent)."""
    return Delivery(
        SendOutcome.EXPIRED,
        modem_ids[0] if len(modem_ids) == 1 else None,
        error_code="EXPIRED",
        error=f"expired {now - expires_at:.1f} s before a modem was free to send it; not sent",
    )


def _route(spec: ModemSpec, status: ModemStatus | None) -> ModemRoute:
    """The routing view of one modem from its configuration and live status (None: no
    worker runs for it)."""
    reason: str | None
    words: tuple[Words, ...]
    if not spec.active:
        reason, text, words = "inactive", "deactivated by the administrator", (INACTIVE_WORDS,)
    elif status is None:
        reason, text, words = "disconnected", "not running yet", (NOT_RUNNING_WORDS,)
    else:
        (reason, text), words = status.out_of_routing, status.out_of_routing_words
    return ModemRoute(
        id=spec.modem_id,
        prefixes=spec.prefixes,
        default=spec.default,
        active=spec.active,
        send_from_api=spec.send_from_api,
        healthy=reason is None,
        reason=reason,
        reason_text=text,
        reason_words=words,
        sim_id=status.identity.imsi if status is not None else None,
    )
