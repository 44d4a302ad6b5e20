"""Running one job on a connected modem: an SMS and what its failure calls for, or USSD.

A send that did not go through is noted; an unclassified error gets an SMS-path check
*before* the result goes back, so the caller learns whether the modem has a path
(``SmsResult.path_check``) before it decides where the message goes next. Then the modem
is looked after: a time-out is followed by a resynchronisation, a SIM that says it is busy
by the stuck-SIM check (``ladder_steps.sim_stays_busy``). Whenever the modem turns out not
to answer, the runner asks its worker to disconnect, and stops there.

Used only from the modem's owner thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.domain.send_errors import needs_diagnosis
from otpbroker.modem.errors import ModemError
from otpbroker.modem.gsm import GsmModem, SmsResult
from otpbroker.modem.jobs import Job, expired_result
from otpbroker.modem.ladder_steps import sim_stays_busy
from otpbroker.modem.status import StatusKeeper
from otpbroker.modem.transport import TransportError
from otpbroker.modem.ussd import UssdError

SendListener = Callable[[SendOutcome, str | None, float], None]
"""Told each send's outcome, error code and seconds on the air."""


class JobRunner:
    """Runs the jobs of one modem (owner thread only)."""

    def __init__(
        self,
        status: StatusKeeper,
        disconnect: Callable[[str], None],
        wall_clock: Callable[[], float] = time.time,
        on_send: SendListener | None = None,
    ) -> None:
        """``status`` is the modem's; ``disconnect(reason)`` closes its port; ``wall_clock``
        tells whether a message has expired (``time.time``); ``on_send(outcome, code,
        seconds)``: told each send's outcome and its time from the first ``AT+CMGS`` to the
        last part's result (``send_metrics.SendMetrics.record``)."""
        self._on_send = on_send
        self._status = status
        self._disconnect = disconnect
        self._wall_clock = wall_clock

    def run(self, modem: GsmModem, job: Job) -> None:
        """Run ``job`` unless its sender gave up before it started (nothing was sent)."""
        if not job.future.set_running_or_notify_cancel():
            return
        if job.kind == "ussd":
            self._ussd(modem, job)
            return
        if job.kind == "port":
            self._port(modem, job)
            return
        assert job.message is not None  # an sms job always carries its message
        time_left = None
        if job.expires_at is not None:  # checked right before AT+CMGS: never sent late
            now = self._wall_clock()
            if job.expires_at <= now:
                job.future.set_result(expired_result(job.expires_at, now))
                return
            time_left = job.expires_at - now
        if job.before_send is not None:
            job.before_send()
        started = time.monotonic()
        result = modem.send_sms(job.message, time_left)
        if self._on_send is not None:
            self._on_send(result.outcome, result.error_code, time.monotonic() - started)
        self._status.count(result.outcome)
        if result.outcome is SendOutcome.SENT:
            job.future.set_result(result)  # nothing else to find out first
        else:
            self._failed(modem, job, result)

    def _failed(self, modem: GsmModem, job: Job, result: SmsResult) -> None:
        """A send that did not go through: note it, check the SMS path when the error calls
        for it (before the caller decides where the message goes next), then the modem."""
        code = result.error_code
        self._status.note_error(f"send {result.outcome.value}: {code}", code)
        diagnose = needs_diagnosis(code) and not modem.channel_lost
        if diagnose and not modem.channel.needs_resync:
            checked = self._diagnose(modem)
            if checked is not None:
                result = replace(result, path_check=checked)
            diagnose = checked is None
        job.future.set_result(result)
        if modem.channel_lost:
            self._disconnect(result.error or "port lost")
        elif self._resync(modem) and (not diagnose or self._diagnose(modem) is not None):
            stuck = sim_stays_busy(modem, code)
            if stuck is not None:
                self._disconnect(stuck)

    def _diagnose(self, modem: GsmModem) -> PathCheck | None:
        """Check the SMS path now (after an unclassified error); what it found, None when
        the modem could not be asked (it is disconnected then)."""
        try:
            verdict = modem.diagnose()
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")
            return None
        self._status.set(sms_path=verdict)
        return PathCheck.NO_PATH if verdict.available is False else PathCheck.HAS_PATH

    def _resync(self, modem: GsmModem) -> bool:
        """After a time-out, check at once that the modem answers; False when it does not
        (it is disconnected then)."""
        if not modem.channel.needs_resync:
            return True
        try:
            modem.channel.resync(min(2.0, modem.options.command_timeout))
        except (ModemError, TransportError) as exc:
            self._disconnect(f"modem stopped answering: {exc}")
            return False
        return True

    def _port(self, modem: GsmModem, job: Job) -> None:
        """Lend the open port to the job, then reconnect (it may have changed settings)."""
        assert job.use_port is not None
        try:
            modem.channel.drain()
            job.future.set_result(job.use_port(modem.channel.transport))
        except Exception as exc:  # the caller sees it; the modem is set up again anyway
            job.future.set_exception(exc)
        self._disconnect("diagnostic report made: setting the modem up again")

    def _ussd(self, modem: GsmModem, job: Job) -> None:
        try:
            job.future.set_result(modem.ussd(job.code))
        except ModemError as exc:
            job.future.set_exception(exc)
            if not isinstance(exc, UssdError):
                self._disconnect(str(exc))
                return
        self._resync(modem)


__all__ = ["JobRunner", "SendListener"]
