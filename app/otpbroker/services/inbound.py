"""Received SMS: from the modems' parts to the applications, the monitor and the admin.

``InboundService.take`` is every modem's part listener (``InboundPartListener``): it runs
on the modem's owner thread, reassembles (``inbound_parts.PartBook``), publishes each
finished message on the two-way bus (webhooks, feeder status channels), shows it masked in
the monitor (an ``inbound`` event, outcome ``received``), keeps the last messages of
operators (balance and expiry notices) and of people in memory for the admin, and applies
the opt-in STOP rule. It answers the SIM slots the modem may delete. Texts are never
logged or stored: only memory holds them.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.inbound import InboundPart, SimSlot, is_operator
from otpbroker.domain.message_life import InboundSms
from otpbroker.domain.msisdn import mask_msisdn, normalize_msisdn
from otpbroker.domain.ports import BlockList, Settings
from otpbroker.services.events import EventLog, SmsEvent
from otpbroker.services.inbound_parts import Finished, PartBook
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

KEEP = 20
"""Messages kept in memory per modem, operators' and people's apart."""
BLOCK_SOURCE = "inbound"


class InboundService:
    """Takes every modem's received parts; what the admin reads of them."""

    def __init__(
        self,
        bus: TwoWayBus,
        settings: Settings | None = None,
        events: EventLog | None = None,
        blocklist: BlockList | None = None,
        *,
        book: PartBook | None = None,
        keep: int = KEEP,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``settings`` None: reading is off until ``connect``; ``events``: the monitor's
        feed (None: none); ``blocklist``: where the STOP rule puts a sender (None: off)."""
        self._bus = bus
        self._settings = settings
        self._events = events
        self._blocklist = blocklist
        self._book = book or PartBook(clock)
        self._clock = clock
        self._keep = keep
        self._lock = threading.Lock()
        self._operator: dict[str, collections.deque[InboundSms]] = {}
        self._people: dict[str, collections.deque[InboundSms]] = {}
        self.received = 0
        self.blocked = 0

    def connect(self, settings: Settings, events: EventLog, blocklist: BlockList) -> None:
        """Hand over what the composition root builds after the modems (once, at start)."""
        self._settings, self._events, self._blocklist = settings, events, blocklist

    # -- the modems' side -----------------------------------------------------------------
    def poll_seconds(self) -> float | None:
        """Seconds between listings of each SIM; None while ``inbound.enabled`` is off."""
        if self._settings is None or not self._settings.get("inbound.enabled"):
            return None
        return float(self._settings.get("inbound.poll_seconds"))

    def take(self, part: InboundPart) -> list[SimSlot]:
        """One part read from a SIM: the slots the modem may delete now (none while the
        message it belongs to waits for its other parts)."""
        finished, slots = self._book.add(part)
        for message in finished:
            self._hand_over(message)
        return slots

    def _hand_over(self, message: Finished) -> None:
        first = message.parts[0]
        sms = InboundSms(
            modem_id=first.modem_id,
            sender=first.sender,
            text=message.text,
            sent_at=first.sent_at,
            parts=len(message.parts),
            operator=is_operator(first.sender, first.alphanumeric),
            received_at=self._clock(),
            partial=message.partial,
        )
        if message.partial:
            log.warning("modem %s: message from %s given up with %d of %d parts",
                        sms.modem_id, mask_msisdn(sms.sender), len(message.parts),
                        message.total)  # fmt: skip
        with self._lock:
            self.received += 1
            shelf = self._operator if sms.operator else self._people
            shelf.setdefault(sms.modem_id, collections.deque(maxlen=self._keep)).appendleft(sms)
        self._bus.publish_inbound(sms)
        self._show(sms, message.partial)
        if not sms.operator:
            self._stop_rule(sms)

    def _show(self, sms: InboundSms, partial: bool) -> None:
        """The monitor's row: masked sender (whole in memory), modem, ``received``."""
        if self._events is None:
            return
        self._events.note(
            SmsEvent.now("inbound", None, sms.sender, "received", "partial" if partial else "",
                         modem_id=sms.modem_id, parts=sms.parts, kind="inbound")
        )  # fmt: skip

    def _stop_rule(self, sms: InboundSms) -> None:
        """Block a sender whose text starts with one of ``inbound.stop_keywords``."""
        settings = self._settings
        if self._blocklist is None or settings is None:
            return
        keywords = {str(k).strip().casefold() for k in settings.get("inbound.stop_keywords")}
        words = sms.text.strip().split(maxsplit=1)
        if not words or words[0].casefold() not in keywords:
            return
        try:
            msisdn = normalize_msisdn(sms.sender, str(settings.get("device.country_code")))
        except InvalidNumberError:
            return
        try:
            added = self._blocklist.block(msisdn, BLOCK_SOURCE)
        except Exception as exc:  # the list refused it or failed: logged, nothing else
            log.warning("inbound stop rule: %s not blocked: %s", mask_msisdn(msisdn), exc)
            return
        if added:
            with self._lock:
                self.blocked += 1
            log.info("inbound stop rule: %s blocked (keyword reply)", mask_msisdn(msisdn))

    # -- the admin's side -----------------------------------------------------------------
    def operator_messages(self) -> dict[str, list[InboundSms]]:
        """Each modem's last operator messages, newest first (memory only)."""
        with self._lock:
            return {modem: list(shelf) for modem, shelf in sorted(self._operator.items())}

    def people_messages(self) -> dict[str, list[InboundSms]]:
        """Each modem's last messages from people, newest first (show them masked)."""
        with self._lock:
            return {modem: list(shelf) for modem, shelf in sorted(self._people.items())}

    def waiting_parts(self) -> int:
        """Messages waiting for missing parts."""
        return self._book.waiting()


__all__ = ["BLOCK_SOURCE", "KEEP", "InboundService"]
