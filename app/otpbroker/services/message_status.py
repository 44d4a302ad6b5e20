"""Each message's status: its states with their times, and delivery from status reports.

``MessageLife`` hands every step of every accepted message here (``tell``); the tracker keeps
it (in memory and in the status journal) and publishes it on the two-way bus. Once a message
is sent it remembers the modem, every part's TP-MR and a keyed digest of the recipient.
A status report (``report``) is matched by modem, TP-MR, recipient (international digits)
and time: the newest send within ``status.report_wait_seconds`` whose part has no report
yet (TP-MR wraps at 256). A message is ``delivered`` once every part's report says so,
``not-delivered`` as soon as a part's final report fails; a temporary report (TP-ST
0x20..0x3F: the centre is still trying) changes nothing. A report that comes before its
send is told (the modem's reply and the report can cross) waits a little for it; one that
matches nothing is counted and logged masked.

Statuses are answered per owner: an API user sees only the messages it sent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.domain.msisdn import Msisdn, mask_msisdn
from otpbroker.domain.ports import Settings, StatusJournal
from otpbroker.domain.status_record import MAX_STATUSES, NO_REPORT, StatusRecord
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

#: How long a report that came before its send was told is kept for it (seconds).
EARLY_REPORT_SECONDS = 30.0
MAX_EARLY_REPORTS = 1_000
PURGE_EVERY_SECONDS = 60.0
AWAITING = ("sent", "unknown")


def report_error(status: int) -> str:
    """The error code of a failed report: ``TP-ST:0x41``."""
    return f"TP-ST:{status:#04x}"


@dataclass(frozen=True)
class Sent:
    """What the modem layer said of a sent message: its parts' TP-MRs and the recipient
    (MSISDN digits, memory only: only a keyed digest of it is kept)."""

    references: tuple[int, ...]
    msisdn: str


@dataclass(frozen=True)
class _Report:
    modem_id: str
    reference: int
    digest: str
    status: int
    at: float


class MessageStatus:
    """Messages' statuses (thread-safe): kept, matched with reports, told on the bus."""

    def __init__(
        self,
        bus: TwoWayBus,
        settings: Settings,
        journal: StatusJournal | None = None,
        *,
        key: bytes = b"",
        clock: Callable[[], float] = time.time,
        max_statuses: int = MAX_STATUSES,
    ) -> None:
        """Load ``journal`` (None: memory only); ``key`` keys the recipients' digests; at
        most ``max_statuses`` messages are kept (the oldest go first)."""
        self._max = max_statuses
        self._bus = bus
        self._settings = settings
        self._journal = journal
        self._key = key
        self._clock = clock
        self._lock = threading.RLock()
        self._records: dict[tuple[str, str], StatusRecord] = {}
        self._waiting: dict[tuple[str, int], list[tuple[str, str]]] = {}
        self._early: list[_Report] = []
        self._purged_at = 0.0
        self.unmatched = 0
        """Reports that matched no message (for a metric)."""
        self.temporary = 0
        """Temporary reports (TP-ST 0x20..0x3F) seen."""
        for record in journal.load() if journal is not None else ():
            self._keep(record)

    # -- steps from MessageLife ------------------------------------------------------------------
    def tell(self, event: StatusEvent, sent: Sent | None = None) -> None:
        """Keep one step of a message (``sent``: its references once it went out) and
        publish it; a report that came early for it is matched now."""
        with self._lock:
            record = self._step(event, sent)
            self._keep(record)
            self._save(record)
            self._bus.publish_status(event)
            if record.awaits_reports:
                self._match_early(record)

    def _step(self, event: StatusEvent, sent: Sent | None) -> StatusRecord:
        whose = f"user:{event.user}" if event.user is not None else f"source:{event.source}"
        old = self._records.get((whose, event.message_id))
        entry = ((event.state.value, event.at),)
        if event.state is MessageState.ACCEPTED or old is None:
            self._forget(old)
            old = StatusRecord(event.message_id, event.source, event.user, event.recipient, ())
        record = dataclasses.replace(
            old,
            history=(*old.history, *entry),
            modem_id=event.modem_id or old.modem_id,
            parts=event.parts or old.parts,
            error_code=event.error_code,
        )
        if sent is not None and sent.references and event.state.value in AWAITING:
            record = dataclasses.replace(
                record,
                references=sent.references,
                recipient_digest=self._digest(sent.msisdn),
                part_reports=(NO_REPORT,) * len(sent.references),
                sent_at=event.at,
            )
        return record

    # -- status reports ----------------------------------------------------------------------------
    def report(self, modem_id: str, reference: int, recipient: str, status: int) -> None:
        """A status report from ``modem_id``: TP-MR ``reference``, TP-RA ``recipient``,
        TP-ST ``status``."""
        if 0x20 <= status <= 0x3F:
            with self._lock:
                self.temporary += 1
            log.debug("temporary status report %#04x from %s for %s", status, modem_id,
                      mask_msisdn(recipient))  # fmt: skip
            return
        digest = self._recipient_digest(recipient)
        now = self._clock()
        with self._lock:
            self._purge(now)
            found = self._find(modem_id, reference, digest, now) if digest else None
            if found is not None:
                self._apply(found, reference, status, now)
            elif digest and len(self._early) < MAX_EARLY_REPORTS:
                self._early.append(_Report(modem_id, reference, digest, status, now))
            else:
                self._unmatched(modem_id, recipient)

    def _find(self, modem_id: str, reference: int, digest: str, now: float) -> StatusRecord | None:
        """The newest send that this report may be about, if any."""
        wait = float(self._settings.get("status.report_wait_seconds"))
        best: StatusRecord | None = None
        for key in self._waiting.get((modem_id, reference), ()):
            record = self._records.get(key)
            if record is None or not record.awaits_reports or record.sent_at is None:
                continue
            if record.recipient_digest != digest or now - record.sent_at > wait:
                continue
            if _open_part(record, reference) is None:
                continue
            if best is None or (best.sent_at or 0.0) < record.sent_at:
                best = record
        return best

    def _apply(self, record: StatusRecord, reference: int, status: int, now: float) -> None:
        index = _open_part(record, reference)
        if index is None:
            return
        reports = list(record.part_reports)
        reports[index] = status
        record = dataclasses.replace(record, part_reports=tuple(reports))
        failed = [st for st in reports if st != NO_REPORT and st > 0x1F]
        if failed:
            record = self._final(record, MessageState.NOT_DELIVERED, now, report_error(failed[0]))
        elif NO_REPORT not in reports and len(reports) >= record.parts:
            record = self._final(record, MessageState.DELIVERED, now, None)
        self._keep(record)
        self._save(record)
        if record.state in (MessageState.DELIVERED.value, MessageState.NOT_DELIVERED.value):
            self._forget(record)
            self._publish(record)

    def _final(
        self, record: StatusRecord, state: MessageState, now: float, error: str | None
    ) -> StatusRecord:
        history = (*record.history, (state.value, now))
        return dataclasses.replace(record, history=history, error_code=error)

    def _publish(self, record: StatusRecord) -> None:
        state = MessageState(record.state)
        event = StatusEvent(
            record.message_id, state, record.source, record.owner, record.modem_id,
            record.recipient, record.parts, record.error_code, record.updated_at,
        )  # fmt: skip
        self._bus.publish_status(event)

    def _match_early(self, record: StatusRecord) -> None:
        """Reports that came before ``record``'s send was told (lock held)."""
        for early in list(self._early):
            if early.modem_id != record.modem_id or early.digest != record.recipient_digest:
                continue
            if early.reference not in record.references or not self._records.get(record.key):
                continue
            if record.updated_at - early.at > EARLY_REPORT_SECONDS:
                continue  # too old to be this send's (counted when purged)
            self._early.remove(early)
            current = self._records[record.key]
            if current.awaits_reports:  # told now: its time never before the send's
                self._apply(current, early.reference, early.status, current.updated_at)

    def _unmatched(self, modem_id: str, recipient: str) -> None:
        self.unmatched += 1
        log.debug("status report from %s for %s matches no message", modem_id,
                  mask_msisdn(recipient))  # fmt: skip

    # -- answers -------------------------------------------------------------------------------
    def lookup(self, user: str, message_id: str) -> StatusRecord | None:
        """The status of API user ``user``'s message ``message_id`` (None: none such, or
        not this user's)."""
        with self._lock:
            self._purge(self._clock())
            return self._records.get((f"user:{user}", message_id))

    def __len__(self) -> int:
        """Messages held."""
        with self._lock:
            return len(self._records)

    # -- keeping ------------------------------------------------------------------------------
    def _keep(self, record: StatusRecord) -> None:
        self._records[record.key] = record
        while len(self._records) > self._max:
            self._forget(self._records.pop(next(iter(self._records))))
        if record.awaits_reports and record.modem_id is not None:
            for reference in record.references:
                waiting = self._waiting.setdefault((record.modem_id, reference), [])
                if record.key not in waiting:
                    waiting.append(record.key)

    def _forget(self, record: StatusRecord | None) -> None:
        if record is None or record.modem_id is None:
            return
        for reference in record.references:
            waiting = self._waiting.get((record.modem_id, reference), [])
            if record.key in waiting:
                waiting.remove(record.key)
            if not waiting:
                self._waiting.pop((record.modem_id, reference), None)

    def _save(self, record: StatusRecord) -> None:
        if self._journal is not None:
            try:
                self._journal.save(record)
            except OSError as exc:
                log.warning("status of a message not written to the journal: %s", exc)

    def _purge(self, now: float) -> None:
        """Forget statuses beyond the retention and early reports past their wait."""
        early = [r for r in self._early if now - r.at <= EARLY_REPORT_SECONDS]
        for _report in range(len(self._early) - len(early)):
            self.unmatched += 1
        self._early = early
        if now - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = now
        oldest = now - float(self._settings.get("status.retention_seconds"))
        wait = float(self._settings.get("status.report_wait_seconds"))
        for key, record in list(self._records.items()):
            if record.updated_at < oldest:
                self._forget(record)
                del self._records[key]
            elif record.sent_at is not None and now - record.sent_at > wait:
                self._forget(record)

    def _digest(self, msisdn: str) -> str:
        mac = hmac.new(self._key, b"status-recipient:" + msisdn.encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def _recipient_digest(self, recipient: str) -> str:
        """The digest of a report's TP-RA in MSISDN form; empty when it is no number."""
        try:
            number = Msisdn.parse(recipient, str(self._settings.get("device.country_code")))
        except InvalidNumberError:
            return ""
        return self._digest(number)


def _open_part(record: StatusRecord, reference: int) -> int | None:
    """The first part sent with ``reference`` that has no report yet."""
    pairs = zip(record.references, record.part_reports, strict=False)
    for index, (ref, status) in enumerate(pairs):
        if ref == reference and status == NO_REPORT:
            return index
    return None


__all__ = ["EARLY_REPORT_SECONDS", "MessageStatus", "Sent", "report_error"]
