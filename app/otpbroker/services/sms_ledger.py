"""What ``SmsService`` records of a message in the send ledger, and reads back from it."""

from __future__ import annotations

import logging

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.ports import SendLedger

log = logging.getLogger(__name__)


def sent_before(ledger: SendLedger | None, key: str | None) -> SendOutcome | None:
    """The first outcome of ``key`` when the ledger holds it as sent or possibly sent (a
    ``sending`` with no outcome is ``unknown``); None when it may be sent."""
    if key is None or ledger is None:
        return None
    entry = ledger.lookup(key)
    if entry is None or not entry.went_out:
        return None
    return SendOutcome.SENT if entry.state == "sent" else SendOutcome.UNKNOWN


class LedgerRecord:
    """One message's records in the send ledger: ``sending`` (called by the modem's owner
    thread just before the first ``AT+CMGS``), then its outcome if ``sending`` was written.

    A failing ledger is logged and the message still goes (sending beats the record)."""

    def __init__(self, ledger: SendLedger | None, key: str | None) -> None:
        self._ledger = ledger if key is not None else None
        self._key = key or ""
        self._written = False

    @property
    def active(self) -> bool:
        """True when there is a ledger and a key to record."""
        return self._ledger is not None

    def sending(self) -> None:
        """Record ``sending`` (the modem writes ``AT+CMGS`` when this returns)."""
        if self._ledger is None:
            return
        self._written = True
        try:
            self._ledger.sending(self._key)
        except Exception:
            log.exception("send ledger: could not record a message as sending")

    def finished(self, outcome: SendOutcome) -> None:
        """Record the outcome of a message that reached ``AT+CMGS`` (nothing otherwise)."""
        if self._ledger is None or not self._written:
            return
        try:
            self._ledger.finished(self._key, outcome.value)
        except Exception:
            log.exception("send ledger: could not record a message's outcome")


__all__ = ["LedgerRecord", "sent_before"]
