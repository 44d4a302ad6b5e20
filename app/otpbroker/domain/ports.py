"""Ports: the interfaces the adapters (modems, storage, clocks) implement for the domain."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from otpbroker.domain.delivery import Lane
from otpbroker.domain.field_report import Report, ReportRequest
from otpbroker.domain.front import FrontPlan
from otpbroker.domain.message import Delivery, OutboundSms
from otpbroker.domain.routing import ModemRoute
from otpbroker.domain.status_record import StatusRecord


@runtime_checkable
class Clock(Protocol):
    """A monotonic clock: calling it returns seconds as a float (``time.monotonic``)."""

    def __call__(self) -> float:
        """Return the current time in seconds."""
        ...


class EncodedSms(Protocol):
    """A message the gateway encoded once; it goes to every modem that tries it as it is."""

    @property
    def parts(self) -> int:
        """How many SMS parts it takes."""
        ...


@runtime_checkable
class ModemGateway(Protocol):
    """Sends SMS on one named modem and reports what routing needs about every modem."""

    def encode(self, sms: OutboundSms, max_parts: int) -> EncodedSms:
        """Encode ``sms`` once, for whichever modem sends it; at most ``max_parts`` parts.

        InvalidMessageError (reason ``too_long``, ``empty``) or InvalidNumberError when it
        cannot be sent.
        """
        ...

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
        """Send ``message`` (as ``encode`` made it) on one of ``modem_ids``: the first of them
        to be free (in the order given when several are), waiting at most ``timeout`` seconds
        for one to take it. Every attempt reuses the one encoding.

        Waiting sends are served by ``lane`` (OTP first), then in arrival order. A message
        whose ``expires_at`` (wall clock) passes before a modem writes its first part ends
        ``SendOutcome.EXPIRED`` (never sent); the validity period asked of the SMSC is at
        most the time it has left.

        QuotaReachedError (nothing sent) when every one of ``modem_ids`` is at one of its
        SIM's caps. ``Delivery.modem_id`` names the modem used. A time-out after the modem took the
        message must be reported as ``SendOutcome.UNKNOWN`` (never resent); only a definite
        failure as ``SendOutcome.FAILED``. Errors never contain the text.

        ``before_send`` (it must not raise) is called by the modem's owner thread
        immediately before the first ``AT+CMGS`` of the message is written, on each modem
        that tries it.
        """
        ...

    def routes(self) -> list[ModemRoute]:
        """A snapshot of every configured modem (active or not) for the router."""
        ...


@runtime_checkable
class BlockList(Protocol):
    """The numbers that must receive no SMS from any modem (MSISDN form)."""

    def is_blocked(self, msisdn: str) -> bool:
        """True if ``msisdn`` is blocked."""
        ...

    def block(self, msisdn: str, source: str) -> bool:
        """Block ``msisdn`` (``source``: rest, rabbitmq, ws, mqtt, admin); True if new."""
        ...

    def unblock(self, msisdn: str) -> bool:
        """Unblock ``msisdn``; True if it was blocked."""
        ...


@runtime_checkable
class Settings(Protocol):
    """Read access to validated configuration values by dotted key."""

    def get(self, key: str) -> Any:
        """The current value of ``key`` (its default when unset), of the type the schema
        declares for it (validated when it was stored)."""
        ...


@runtime_checkable
class Repository(Protocol):
    """Validated settings and records (the configuration implements it).

    Invalid input raises a ``ValueError`` whose ``key`` attribute names the setting or
    ``collection.field`` and whose text says precisely what is wrong.
    """

    @property
    def generation(self) -> int:
        """Moves on every change."""
        ...

    def get(self, key: str) -> Any:
        """A setting's value."""
        ...

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Validate and store several settings at once (all or nothing)."""
        ...

    def settings(self) -> dict[str, Any]:
        """Every setting."""
        ...

    def list(self, name: str) -> list[dict[str, Any]]:
        """Every record of a collection."""
        ...

    def get_record(self, name: str, record_id: str) -> dict[str, Any]:
        """One record (LookupError when missing)."""
        ...

    def add(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and add a record."""
        ...

    def update(self, name: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and change a record."""
        ...

    def delete(self, name: str, record_id: str) -> None:
        """Remove a record."""
        ...

    def set_password(self, name: str, record_id: str, password: str) -> None:
        """Store a password as a salted hash."""
        ...

    def check_password(self, name: str, record_id: str, password: str) -> bool:
        """True when the password matches the stored hash."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Hold the store exclusively, against other threads and other processes.

        Inside it, reads see the latest stored state and the store's own changes work as
        usual (nested, nothing released early); subscribers hear of the changes once, at
        the end. A rule checked inside it still holds when the change it allows is made.
        It undoes nothing: a caller that fails half-way undoes its own changes.
        """
        ...


#: The states a send ledger records: ``sending`` just before the first ``AT+CMGS``, then
#: the outcome. After a restart a ``sending`` record with no outcome reads as ``unknown``.
LEDGER_STATES = ("sending", "sent", "failed", "unknown", "expired")
#: States whose message went (or may have gone) out: never sent again.
LEDGER_FINAL = ("sending", "sent", "unknown")


@dataclass(frozen=True)
class LedgerEntry:
    """What a send ledger holds for one key: its state and when it was recorded
    (``time.time()``)."""

    state: str
    at: float

    @property
    def went_out(self) -> bool:
        """True when the message was, or may have been, sent: it must never be resent."""
        return self.state in LEDGER_FINAL


@runtime_checkable
class SendLedger(Protocol):
    """A durable record of message keys and their send states (ids, states and times only,
    never a text), so a message sent before a crash is not sent again after it."""

    def lookup(self, key: str) -> LedgerEntry | None:
        """The latest record of ``key``, None when there is none (or it aged out)."""
        ...

    def sending(self, key: str) -> None:
        """Record, durably before returning, that ``key`` is about to be sent."""
        ...

    def finished(self, key: str, state: str) -> None:
        """Record, durably before returning, the outcome of ``key`` (a ``LEDGER_STATES``
        value other than ``sending``)."""
        ...


@runtime_checkable
class StatusJournal(Protocol):
    """A durable record of messages' lives (``domain.status_record.StatusRecord``: ids,
    states, times, masked numbers, references; never a text or a whole number), so that
    statuses and report matching survive a restart."""

    def load(self) -> list[StatusRecord]:
        """The latest record of every message still within the retention, oldest first."""
        ...

    def save(self, record: StatusRecord) -> None:
        """Append ``record`` (it replaces the message's earlier one)."""
        ...


@runtime_checkable
class KeepAliveTimes(Protocol):
    """Each modem's keep-alive idleness start (the last send on it, or when the broker first
    saw it), by modem id, kept across restarts: ids and times only, never a number or text."""

    def load(self) -> dict[str, float]:
        """The times last saved ({} when none, or when they cannot be read)."""
        ...

    def save(self, times: Mapping[str, float]) -> None:
        """Replace the saved times, atomically and durably."""
        ...


@runtime_checkable
class SealingKeyring(Protocol):
    """The device's sealing key pairs: the current one and the one it replaced at the last
    rotation (so a message sealed just before a rotation still opens)."""

    def public_key(self) -> bytes:
        """The current 32-byte public key (made when missing)."""
        ...

    def rotate(self) -> bytes:
        """Make a new pair, keep the current private key as the previous one, delete the one
        before; returns the new public key."""
        ...

    def open(self, box: bytes) -> bytes | None:
        """The message sealed in ``box``, None when no kept key opens it."""
        ...

    @property
    def algorithm(self) -> str:
        """The construction's name, for the people who seal."""
        ...


class ModemReports(Protocol):
    """Makes a field report of one modem (``modem/report_makers.py``)."""

    def make_report(self, target: str, request: ReportRequest) -> Report:
        """The anonymised report of the modem ``target`` names (a port or a modem id);
        ``ReportError`` with the reason when it cannot be made."""
        ...


__all__ = [
    "LEDGER_FINAL",
    "LEDGER_STATES",
    "BlockList",
    "Clock",
    "EncodedSms",
    "KeepAliveTimes",
    "LedgerEntry",
    "ModemGateway",
    "ModemReports",
    "Repository",
    "SealingKeyring",
    "SendLedger",
    "Settings",
    "StatusJournal",
]


class FrontProcess(Protocol):
    """The front (haproxy) serving the app's listening sockets (``system.haproxy_front``)."""

    def run(self, plan: FrontPlan, tls: tuple[str, str] | None) -> None:
        """Serve ``plan`` (``tls``: certificate chain and key files for HTTPS), replacing a
        running front; ``FrontUnavailable`` when it cannot."""
        ...

    def stop_accepting(self) -> None:
        """Take no new connection; the requests in flight go on."""
        ...

    def stop(self) -> None:
        """Stop (after ``stop_accepting`` and once the app finished its requests)."""
        ...
