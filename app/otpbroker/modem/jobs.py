"""The job queue of one modem: SMS and USSD requests waiting for its owner thread."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.message import STOPPING_CODE, SendOutcome
from otpbroker.modem.encoded import EncodedMessage
from otpbroker.modem.errors import ModemError
from otpbroker.modem.gsm import SmsResult


@dataclass
class Job:
    """One request: ``sms`` (the message, encoded once) or ``ussd`` (code), with its future
    and deadline (monotonic); an SMS may carry ``expires_at`` (wall clock): after it, the
    message is never written. ``before_send``: called by the owner thread immediately
    before the first ``AT+CMGS`` of the message is written (e.g. to record it in the send
    ledger), after the expiry check; it must not raise."""

    kind: str
    future: Future
    deadline: float
    message: EncodedMessage | None = None
    code: str = ""
    expires_at: float | None = None
    before_send: Callable[[], None] | None = None
    use_port: Callable[[Any], Any] | None = None
    """A ``port`` job: called on the owner thread with the open transport (a diagnostic
    report's script); its result is the future's."""

    def __repr__(self) -> str:  # never show the text
        """Kind and deadline only."""
        return f"Job({self.kind}, deadline={self.deadline:.1f})"


class JobQueue:
    """A thread-safe FIFO of jobs (any thread adds, the owner thread takes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[Job] = deque()
        self._closed = False

    def __len__(self) -> int:
        """Jobs waiting."""
        with self._lock:
            return len(self._jobs)

    def add(self, job: Job) -> bool:
        """Queue a job at the end; False once the queue is closed (it is not queued)."""
        with self._lock:
            if self._closed:
                return False
            self._jobs.append(job)
            return True

    def close(self) -> list[Job]:
        """Take no job any more; remove and return the waiting ones."""
        with self._lock:
            self._closed = True
            jobs, self._jobs = list(self._jobs), deque()
        return jobs

    def pop(self) -> Job | None:
        """The oldest job, None when there is none."""
        with self._lock:
            return self._jobs.popleft() if self._jobs else None

    def expired(self, now: float | None = None) -> list[Job]:
        """Remove and return the jobs whose deadline has passed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            gone = [job for job in self._jobs if job.deadline <= now]
            self._jobs = deque(job for job in self._jobs if job.deadline > now)
        return gone

    def outlived(self, now: float) -> list[Job]:
        """Remove and return the SMS jobs whose expiry (wall clock ``now``) has passed."""
        with self._lock:
            gone = [job for job in self._jobs if _outlived(job, now)]
            self._jobs = deque(job for job in self._jobs if not _outlived(job, now))
        return gone

    def take_all(self) -> list[Job]:
        """Remove and return every waiting job."""
        with self._lock:
            jobs, self._jobs = list(self._jobs), deque()
        return jobs


def _outlived(job: Job, now: float) -> bool:
    """True for an SMS job whose expiry has passed."""
    return job.expires_at is not None and job.expires_at <= now


def expire_unstarted(jobs: list[Job], now: float) -> None:
    """Resolve SMS jobs that expired before the modem started them (never sent)."""
    for job in jobs:
        if job.future.set_running_or_notify_cancel():
            job.future.set_result(expired_result(job.expires_at or now, now))


def fail_unstarted(jobs: list[Job], reason: str) -> None:
    """Resolve jobs the modem never started (their senders may go elsewhere): an SMS as a
    ``MODEM_UNAVAILABLE`` failure, a USSD request with a ``ModemError``; cancelled ones stay
    cancelled."""
    for job in jobs:
        if not job.future.set_running_or_notify_cancel():
            continue
        if job.kind == "sms":
            job.future.set_result(
                SmsResult(SendOutcome.FAILED, error_code="MODEM_UNAVAILABLE", error=reason)
            )
        else:
            job.future.set_exception(ModemError(reason))


STOPPING_TEXT = "the device is stopping; not sent"


def stop_unstarted(jobs: list[Job]) -> None:
    """Resolve jobs the modem never started because the device is stopping: an SMS as a
    ``STOPPING`` failure (nothing went out; never tried on another modem), a USSD request
    with a ``ModemError``; cancelled ones stay cancelled."""
    for job in jobs:
        if not job.future.set_running_or_notify_cancel():
            continue
        if job.kind == "sms":
            result = SmsResult(SendOutcome.FAILED, error_code=STOPPING_CODE, error=STOPPING_TEXT)
            job.future.set_result(result)
        else:
            job.future.set_exception(ModemError("the device is stopping"))


def expired_result(expires_at: float, now: float) -> SmsResult:
    """The result of an SMS whose expiry passed before its first part was written."""
    return SmsResult(
        SendOutcome.EXPIRED,
        error_code="EXPIRED",
        error=f"expired {now - expires_at:.1f} s before the modem could write it; not sent",
    )


__all__ = [
    "Job",
    "JobQueue",
    "expire_unstarted",
    "expired_result",
    "fail_unstarted",
    "stop_unstarted",
]
