"""What the device keeps of one message's life: ids, states, times, the masked number, the
modem and its parts' references (TP-MR). Never the text, never the whole number: the
recipient is kept masked, and for matching status reports as a keyed digest.

A record is what ``GET /api/status/<id>`` answers and what the status journal writes.
"""

from __future__ import annotations

from dataclasses import dataclass

#: TP-ST of a part whose report has not come (or was only temporary).
NO_REPORT = -1
#: The most messages whose status is kept (the oldest go first): a bound on memory and on
#: the journal, whatever the retention (a few hundred bytes each).
MAX_STATUSES = 100_000


@dataclass(frozen=True)
class StatusRecord:
    """One message's life so far (frozen: every change makes a new record).

    ``owner`` is the API user's name, or ``None`` for a message from a feeder or the admin
    (``source`` then tells which); ``history`` the states with their wall-clock times, in
    order; ``references`` every part's TP-MR once sent; ``recipient_digest`` a keyed digest
    of the recipient's international digits (never the number); ``part_reports`` each
    part's final TP-ST (``NO_REPORT`` until it came); ``sent_at`` when it was sent.
    """

    message_id: str
    source: str
    owner: str | None
    recipient: str
    history: tuple[tuple[str, float], ...]
    modem_id: str | None = None
    parts: int = 0
    error_code: str | None = None
    references: tuple[int, ...] = ()
    recipient_digest: str = ""
    part_reports: tuple[int, ...] = ()
    sent_at: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        """Whose it is and its id: an API user's, or a source's (``source:<name>``)."""
        whose = f"user:{self.owner}" if self.owner is not None else f"source:{self.source}"
        return whose, self.message_id

    @property
    def state(self) -> str:
        """The latest state."""
        return self.history[-1][0]

    @property
    def updated_at(self) -> float:
        """When the latest state came."""
        return self.history[-1][1]

    @property
    def awaits_reports(self) -> bool:
        """True while a status report may still change its state (sent or unknown, with
        references, and not every part reported)."""
        return (
            self.state in ("sent", "unknown")
            and bool(self.references)
            and self.sent_at is not None
            and NO_REPORT in self.part_reports
        )


__all__ = ["MAX_STATUSES", "NO_REPORT", "StatusRecord"]
