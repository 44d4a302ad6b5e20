"""What ``SmsService`` records of a message in the send ledger, and reads back from it."""

from __future__ import annotations

import logging

from otpbroker.domain.message import SendOutcome
from otpbroker.domain.ports import SendLedger
from otpbroker.services.shared_ledger import SharedClaims

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


def claimed_elsewhere(shared: SharedClaims | None, key: str | None) -> SendOutcome | None:
    """Claim ``key`` in the fleet's shared ledger: None when this device may send it, else
    the outcome another device had (sent, or possibly sent: unknown). ClaimedElsewhereError
    while another device holds it unsent."""
    if shared is None or key is None:
        return None
    held = shared.claim(key)
    if held is None:
        return None
    return SendOutcome.SENT if held.state == "sent" else SendOutcome.UNKNOWN


class LedgerRecord:
    """One message's records in the send ledger: ``sending`` (called by the modem's owner
    thread just before the first ``AT+CMGS``), then its outcome if ``sending`` was written.

    With the fleet's shared ledger (``shared``, for a message with an id: ``shared_key``)
    the same states go there too, and a claim that never reached ``AT+CMGS`` is released.

    A failing ledger is logged and the message still goes (sending beats the record)."""

    def __init__(
        self,
        ledger: SendLedger | None,
        key: str | None,
        shared: SharedClaims | None = None,
        shared_key: str | None = None,
    ) -> None:
        self._ledger = ledger if key is not None else None
        self._key = key or ""
        self._shared = shared if shared_key is not None else None
        self._shared_key = shared_key or ""
        self._written = False

    @property
    def active(self) -> bool:
        """True when there is a ledger and a key to record."""
        return self._ledger is not None or self._shared is not None

    def sending(self) -> None:
        """Record ``sending`` (the modem writes ``AT+CMGS`` when this returns)."""
        self._written = True
        if self._shared is not None:
            self._shared.record(self._shared_key, "sending")
        if self._ledger is None:
            return
        try:
            self._ledger.sending(self._key)
        except Exception:
            log.exception("send ledger: could not record a message as sending")

    def finished(self, outcome: SendOutcome) -> None:
        """Record the outcome of a message that reached ``AT+CMGS``; release the shared claim
        of one that did not."""
        if not self._written:
            self.abandoned()
            return
        if self._shared is not None:
            self._shared.record(self._shared_key, outcome.value)
        if self._ledger is None:
            return
        try:
            self._ledger.finished(self._key, outcome.value)
        except Exception:
            log.exception("send ledger: could not record a message's outcome")

    def abandoned(self) -> None:
        """The message will not be sent here (nothing went out): give its shared claim back."""
        if self._shared is not None and not self._written:
            self._shared.release(self._shared_key)


__all__ = ["LedgerRecord", "claimed_elsewhere", "sent_before"]
