"""Received SMS on one modem: read from the SIM, handed over, then deleted there.

Used only from the modem's owner thread (``worker.py``), between jobs: never during a send.
A ``+CMTI: "<mem>",<index>`` (noted by ``GsmModem``) is read with ``AT+CMGR`` in PDU mode;
every ``poll`` seconds (and ``FOLLOW_UP`` seconds after a notice) the whole store is listed
with ``AT+CMGL=4``, which also finds what arrived while the port was closed or unnoticed.
Each SMS-DELIVER part goes to the listener, and the slots it answers are deleted with
``AT+CMGD`` only then (a part of an incomplete message stays on the SIM until the message
is complete or given up). A stored SMS-STATUS-REPORT
goes to the status-report callback and is deleted; anything undecodable is logged (its
place, never its content), counted and deleted.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence

from otpbroker.domain.inbound import InboundPart, InboundPartListener, SimSlot
from otpbroker.modem import pdu
from otpbroker.modem.errors import CommandError

log = logging.getLogger(__name__)

_HEAD = re.compile(r"\+CMG[LR]:\s*(\d+)?")
_QUOTED = re.compile(r'"([^"]*)"')
MTI_DELIVER, MTI_STATUS_REPORT = 0, 2
FOLLOW_UP = 5.0
"""Seconds after a notice until a listing checks for messages whose notice was lost (some
modems drop unsolicited lines while busy; a read may find another message than noticed)."""


class InboxCounts:
    """What one modem's inbox did (for metrics and the admin)."""

    def __init__(self) -> None:
        """All zero."""
        self.parts = 0
        self.reports = 0
        self.bad = 0


class Inbox:
    """Reads, hands over and deletes the received messages of one modem."""

    def __init__(
        self,
        modem_id: str,
        at: Callable[..., list[str]],
        on_part: InboundPartListener,
        on_report: Callable[[pdu.StatusReport], None],
        counts: InboxCounts,
    ) -> None:
        """``at``: the modem's command runner (busy back-off included)."""
        self.modem_id = modem_id
        self._at = at
        self._on_part = on_part
        self._on_report = on_report
        self.counts = counts
        self.memory = "SM"  # where received messages go (<mem3>), read as <mem1>
        self._current = ""  # <mem1> now
        self._next_listing = 0.0  # at once: what arrived while the port was closed
        self._prepared = False

    # -- set-up ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Learn the memory received messages go to and read from it (``AT+CPMS``)."""
        try:
            reply = self._at("AT+CPMS?", expect="+CPMS:")
        except CommandError:
            return
        names = _QUOTED.findall(" ".join(reply))
        if len(names) >= 3:
            self._current, self.memory = names[0].upper(), names[2].upper()
        self._use(self.memory)

    def _use(self, memory: str) -> None:
        """Make ``memory`` the one read and deleted from (``<mem1>``)."""
        if memory and memory != self._current:
            self._at(f'AT+CPMS="{memory}"', expect="+CPMS:")
            self._current = memory

    # -- work -----------------------------------------------------------------------------
    def due(self, noticed: bool, now: float) -> bool:
        """True when a notice came in or the periodic listing is due."""
        return noticed or now >= self._next_listing

    def wait_limit(self, now: float) -> float:
        """Seconds until the next listing."""
        return max(0.0, self._next_listing - now)

    def turn(self, notices: list[SimSlot], routed: list[str], poll: float | None) -> None:
        """The owner thread's turn between jobs: read what the modem's ``notices``
        (``+CMTI``) and ``routed`` PDUs (``+CMT``) name, and list the store when due; both
        lists are emptied. ``poll`` None: reading is off, the notices are dropped."""
        noticed = bool(notices or routed)
        if poll is not None and not self.due(noticed, time.monotonic()):
            return
        slots, pdus = list(notices), list(routed)
        notices.clear()
        routed.clear()
        if poll is not None:
            self.run(slots, pdus, poll)

    def run(self, slots: Sequence[SimSlot], routed: Sequence[str], poll: float) -> None:
        """Read the noticed ``slots``, take the ``routed`` (``+CMT``) PDUs, and list the
        store when its time came (then the next listing is ``poll`` seconds away)."""
        if not self._prepared:
            self._prepared = True
            self.prepare()
        if slots or routed:
            self._next_listing = min(self._next_listing, time.monotonic() + FOLLOW_UP)
        for payload in routed:
            self._take(SimSlot("", 0), payload)
        for slot in slots:
            try:
                self._use(slot.memory or self.memory)
                reply = self._at(f"AT+CMGR={slot.index}", expect="+CMGR:")
            except CommandError as exc:  # the listing finds it later if it is there
                log.warning("modem %s: cannot read %s %d: %s",
                            self.modem_id, slot.memory, slot.index, exc)  # fmt: skip
                continue
            for found, payload in _pairs(reply, slot.index):
                self._take(SimSlot(self._current, found), payload)
        now = time.monotonic()
        if now < self._next_listing:
            return
        self._next_listing = now + poll
        try:
            self._use(self.memory)
            listing = self._at("AT+CMGL=4", expect="+CMGL:", timeout=30.0)
        except CommandError as exc:  # e.g. a busy SIM: the next listing tries again
            log.warning("modem %s: cannot list received messages: %s", self.modem_id, exc)
            return
        for index, payload in _pairs(listing):
            self._take(SimSlot(self._current, index), payload)

    def _take(self, slot: SimSlot, payload: str) -> None:
        """Hand over one stored PDU and delete what may go."""
        try:
            kind = pdu.first_octet(payload) & 0x03
            if kind == MTI_STATUS_REPORT:
                report = pdu.decode_status_report(payload)
            else:
                part = self._part(slot, payload)
        except pdu.PduError as exc:
            self.counts.bad += 1
            log.warning("modem %s: undecodable message at %s %d deleted (%s)",
                        self.modem_id, slot.memory, slot.index, exc)  # fmt: skip
            self._delete([slot])
            return
        if kind == MTI_STATUS_REPORT:
            self.counts.reports += 1
            try:
                self._on_report(report)
            except Exception:  # a listener bug must not keep it on the SIM for ever
                log.exception("modem %s: stored status report at %s %d not taken",
                              self.modem_id, slot.memory, slot.index)  # fmt: skip
            self._delete([slot])
            return
        self.counts.parts += 1
        try:
            done = list(self._on_part(part))
        except Exception:  # a listener bug keeps the part on the SIM, never kills the thread
            log.exception("modem %s: received message at %s %d not taken",
                          self.modem_id, slot.memory, slot.index)  # fmt: skip
            return
        self._delete(done)

    def _part(self, slot: SimSlot, payload: str) -> InboundPart:
        if pdu.first_octet(payload) & 0x03 != MTI_DELIVER:
            raise pdu.PduError("neither an SMS-DELIVER nor an SMS-STATUS-REPORT")
        sms = pdu.decode_deliver(payload)
        return InboundPart(
            modem_id=self.modem_id, slot=slot, sender=sms.sender, text=sms.text,
            sent_at=sms.sent_at.timestamp(), alphanumeric=sms.alphanumeric, concat=sms.concat,
        )  # fmt: skip

    def _delete(self, slots: Iterable[SimSlot]) -> None:
        """``AT+CMGD`` for each stored slot; one already gone (+CMS ERROR 321) is fine."""
        for slot in slots:
            if slot.index <= 0:
                continue
            self._use(slot.memory)
            try:
                self._at(f"AT+CMGD={slot.index}")
            except CommandError as exc:
                log.warning("modem %s: cannot delete %s %d: %s",
                            self.modem_id, slot.memory, slot.index, exc)  # fmt: skip


def _pairs(reply: list[str], index: int | None = None) -> list[tuple[int, str]]:
    """(index, PDU hex) from ``+CMGL``/``+CMGR`` lines, each head followed by its PDU line;
    ``index``: the one ``+CMGR`` read (its head has no index)."""
    found: list[tuple[int, str]] = []
    pending: int | None = None
    for line in reply:
        head = _HEAD.match(line)
        if head:
            pending = index if index is not None else int(head.group(1) or 0)
        elif pending is not None and line.strip():
            found.append((pending, line.strip()))
            pending = None
    return found


def parse_cmti(line: str) -> SimSlot | None:
    """``+CMTI: "SM",3`` -> ``SimSlot("SM", 3)``; None when malformed."""
    match = re.match(r'\+CMTI:\s*"?([^",]*)"?\s*,\s*(\d+)', line.strip(), re.IGNORECASE)
    if not match:
        return None
    return SimSlot(match.group(1).upper(), int(match.group(2)))


__all__ = ["Inbox", "InboxCounts", "parse_cmti"]
