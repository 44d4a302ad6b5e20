"""ModemPool: every configured modem's owner thread behind the domain's ModemGateway port."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from otpbroker.domain.errors import InvalidMessageError, InvalidNumberError
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.modem import pdu
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemStatus, ModemWorker, ReportListener, StatusListener

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


class ModemPool:
    """Starts, reconfigures and stops workers to match the configured modems."""

    def __init__(
        self,
        *,
        on_status: StatusListener | None = None,
        on_status_report: ReportListener | None = None,
        max_parts: int = 10,
        reconnect_delays: tuple[float, ...] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._worker_extra: dict[str, tuple[float, ...]] = (
            {} if reconnect_delays is None else {"reconnect_delays": reconnect_delays}
        )
        self._specs: dict[str, ModemSpec] = {}
        self._workers: dict[str, ModemWorker] = {}
        self._on_status = on_status
        self._on_status_report = on_status_report
        self.max_parts = max_parts

    # -- configuration ----------------------------------------------------------------------
    def apply(self, specs: Sequence[ModemSpec]) -> None:
        """Make the running workers match ``specs`` (inactive modems get no worker)."""
        wanted = {spec.modem_id: spec for spec in specs}
        to_stop: list[ModemWorker] = []
        with self._lock:
            for modem_id in list(self._workers):
                spec = wanted.get(modem_id)
                if spec is None or not spec.active:
                    to_stop.append(self._workers.pop(modem_id))
            for modem_id, spec in wanted.items():
                worker = self._workers.get(modem_id)
                old = self._specs.get(modem_id)
                if not spec.active:
                    continue
                if worker is None:
                    worker = ModemWorker(
                        modem_id,
                        spec.serial,
                        spec.options,
                        on_status=self._on_status,
                        on_status_report=self._on_status_report,
                        **self._worker_extra,
                    )
                    self._workers[modem_id] = worker
                    worker.start()
                elif old is not None and (old.serial, old.options) != (spec.serial, spec.options):
                    worker.reconfigure(spec.serial, spec.options)
            self._specs = wanted
        for worker in to_stop:
            worker.stop()

    def stop(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.stop()

    # -- the ModemGateway port -------------------------------------------------------------
    def routes(self) -> list[ModemRoute]:
        """Routing view of every configured modem; healthy means connected now."""
        with self._lock:
            specs = list(self._specs.values())
            workers = dict(self._workers)
        return [
            ModemRoute(
                id=spec.modem_id,
                prefixes=spec.prefixes,
                default=spec.default,
                active=spec.active,
                send_from_api=spec.send_from_api,
                healthy=spec.modem_id in workers and workers[spec.modem_id].connected,
            )
            for spec in specs
        ]

    def check(self, sms: OutboundSms) -> int:
        """Parts needed; InvalidMessageError / InvalidNumberError when it cannot be sent."""
        try:
            return len(pdu.encode_submit("+" + sms.msisdn, sms.text, max_parts=self.max_parts))
        except pdu.InvalidNumberError as exc:
            raise InvalidNumberError(str(exc), reason="pdu") from exc
        except pdu.MessageTooLongError as exc:
            raise InvalidMessageError(str(exc), reason="too_long") from exc
        except pdu.PduError as exc:
            raise InvalidMessageError(str(exc), reason="empty") from exc

    def send(self, modem_id: str, sms: OutboundSms, timeout: float) -> Delivery:
        """Send on one modem. Waits ``timeout`` for it to start, then for its outcome."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is None:
            return Delivery(SendOutcome.FAILED, modem_id, error_code="MODEM_UNAVAILABLE",
                            error=f"modem {modem_id} is not running")  # fmt: skip
        validated = worker.options.max_parts >= self.max_parts  # check() used the pool's limit
        future = worker.submit_sms(
            "+" + sms.msisdn, sms.text, queue_timeout=timeout, validated=validated
        )
        try:
            result = future.result(timeout)
        except FutureTimeout:
            if future.cancel():  # never started: nothing went out
                return Delivery(
                    SendOutcome.FAILED,
                    modem_id,
                    error_code="QUEUE_TIMEOUT",
                    error=f"modem {modem_id} did not take the message in {timeout:g} s",
                )
            result = future.result()  # it is on the air: its outcome comes within its time-outs
        except CancelledError:
            return Delivery(SendOutcome.FAILED, modem_id, error_code="MODEM_STOPPED",
                            error=f"modem {modem_id} stopped before sending")  # fmt: skip
        return Delivery(
            result.outcome,
            modem_id,
            result.references[0] if result.references else None,
            result.parts,
            result.error_code,
            result.error,
        )

    # -- operations and status ---------------------------------------------------------------
    def ussd(self, modem_id: str, code: str, timeout: float = 60.0) -> str:
        """Run a USSD code on one modem and return the decoded reply."""
        with self._lock:
            worker = self._workers.get(modem_id)
        if worker is None:
            raise LookupError(f"modem {modem_id} is not running")
        return worker.submit_ussd(code).result(timeout)

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
