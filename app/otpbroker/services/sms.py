"""SmsService.submit: the ONE entry every feeder, the REST API and the admin use.

validate -> de-duplicate by id -> blocking list -> route -> modem -> outcome.
The text lives only in memory along this path; nothing here logs or keeps it.

Each thing is done once per message: the number is normalised here, as the message comes
in (``recipient``), and every later step takes that ``Msisdn``; the text is encoded once by
the gateway (``ModemGateway.encode``), its parts counted from that encoding and checked
against ``sms.max_parts``, read here and nowhere else, and that one encoding goes to every
modem that tries the message.

A failed attempt is classified (``domain.send_errors``): a ``number`` error ends the
message there (another modem would get the same answer); any other definite failure moves
on to the next modem, and ``ModemHealth`` takes a modem with a ``sim`` or ``configuration``
error out of routing. An unclassified error was followed by an SMS-path check on that
modem, whose finding comes back with the delivery (``Delivery.path_check``): it counts as
``no_sms_path`` when the modem turned out to have none. A reply for an *unknown* outcome
always names the class ``unknown``: the SMS may have arrived and must not be resent.

With a send ledger (``domain.ports.SendLedger``) a message's key (its id, or the keyed
digest a feeder gives an id-less message) is recorded as ``sending`` immediately before its
first ``AT+CMGS`` and with its outcome afterwards. A message whose id the ledger holds as
sent or possibly sent (``sent``, ``unknown``) is not sent again: ``submit`` returns the first
outcome marked ``duplicate`` (the ids of a run before a restart, and ids beyond the
in-memory window). A copy arriving while the first is in flight, or within the window of
this run, is still refused as a duplicate (``DuplicateMessageError``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from otpbroker.domain.dedup import DedupWindow
from otpbroker.domain.delivery import Lane
from otpbroker.domain.errors import (
    BlockedNumberError,
    DuplicateMessageError,
    InvalidMessageError,
    NoModemAvailableError,
    StoppingError,
)
from otpbroker.domain.message import STOPPING_CODE, Attempt, Delivery, OutboundSms, SendOutcome
from otpbroker.domain.msisdn import Msisdn, mask_msisdn
from otpbroker.domain.ports import BlockList, EncodedSms, ModemGateway, SendLedger, Settings
from otpbroker.domain.routing import ModemRoute, Router, next_choice
from otpbroker.domain.send_errors import ErrorInfo, after_diagnosis, classify, policy, reported
from otpbroker.services.alerts import Alerts
from otpbroker.services.events import EventLog, SmsEvent
from otpbroker.services.message_life import MessageLife
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.send_limits import NoLimits, SendGuard
from otpbroker.services.shared_ledger import ClaimedElsewhereError, SharedClaims
from otpbroker.services.sms_ledger import LedgerRecord, claimed_elsewhere, sent_before
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

MAX_ID_CHARS = 128


@dataclass(frozen=True, repr=False)
class SmsRequest:
    """A request to send one SMS, as every transport hands it over.

    ``msisdn`` as the client typed it, or an ``Msisdn`` from ``SmsService.recipient``;
    ``ledger_key``: the key an id-less message is recorded under in the send ledger (a
    feeder's keyed digest), None for none."""

    msisdn: str
    text: str
    message_id: str | None = None
    source: str = "rest"
    user: str | None = None
    manual: bool = False
    modem_id: str | None = None
    expires_at: float | None = None
    """Wall-clock time (``time.time()``) after which it must not be sent; None: never."""
    lane: Lane = Lane.OTP
    """The lane it waits in for a modem: OTP overtakes BULK."""
    ledger_key: str | None = None
    """The key a feeder records an id-less message under in the send ledger."""

    def __repr__(self) -> str:
        return (
            f"SmsRequest(msisdn={mask_msisdn(self.msisdn)!r}, text=<{len(self.text)} chars>, "
            f"id={self.message_id!r}, source={self.source!r})"
        )


def _never() -> bool:
    """Not stopping."""
    return False


class SmsService:
    """Validates, de-duplicates, checks the blocking list, routes and sends."""

    def __init__(
        self,
        gateway: ModemGateway,
        blocklist: BlockList,
        settings: Settings,
        events: EventLog | None = None,
        health: ModemHealth | None = None,
        *,
        limits: SendGuard | None = None,
        ledger: SendLedger | None = None,
        shared: SharedClaims | None = None,
        stopping: Callable[[], bool] | None = None,
        life: MessageLife | None = None,
    ) -> None:
        """``health`` keeps modems with SIM or settings trouble out of routing (a private
        one when not given); ``limits`` refuse pumping before anything else (none if not
        given); ``ledger`` records what was sent across restarts (None: memory only);
        ``shared``: the fleet's shared ledger (claims across devices; None: none);
        ``stopping`` tells whether the process is stopping (None: never); ``life`` tells each
        accepted message's steps on the two-way bus (None: nobody)."""
        self._life = life or MessageLife(TwoWayBus())
        self._stopping = stopping or _never
        self._limits = limits or NoLimits()
        self._gateway = gateway
        self.health = health or ModemHealth(Alerts())
        self._blocklist = blocklist
        self._settings = settings
        self.events = events or EventLog()
        self._lock = threading.Lock()
        self._router = Router(str(settings.get("device.country_code")))
        self._dedup: DedupWindow | None = None
        self._window = 0.0
        self._ledger = ledger
        self._shared = shared

    def _current(self) -> tuple[Router, DedupWindow | None]:
        """Router and window matching the settings now in force (they may change at run time).

        A window of 0 seconds switches de-duplication off.
        """
        country = str(self._settings.get("device.country_code"))
        window = float(self._settings.get("sms.dedup_window_seconds"))
        with self._lock:
            if self._router.country_code != country:
                self._router = Router(country)
            if window != self._window or (window > 0 and self._dedup is None):
                self._dedup = DedupWindow(window) if window > 0 else None
                self._window = window
            return self._router, self._dedup

    def submit(self, request: SmsRequest) -> Delivery:
        """Send one SMS; raise a DomainError for anything rejected before sending."""
        started = time.monotonic()
        if self._stopping():
            raise StoppingError("the device is stopping; the message was not accepted")
        router, dedup = self._current()
        msisdn = Msisdn.parse(request.msisdn, router.country_code)
        self._limits.check(request, msisdn)  # SendRefusedError: anti-pumping limits
        sms = OutboundSms(msisdn, request.text, request.message_id, request.source, request.user)
        message = self._gateway.encode(sms, int(self._settings.get("sms.max_parts")))
        key = self._dedup_key(request.message_id)  # validates the id even when dedup is off
        if dedup is None:
            key = None
        if key is not None and dedup is not None and not dedup.claim(key):
            self._publish(request, msisdn, None, "duplicate", started, "duplicate_message")
            raise DuplicateMessageError(
                f"message id {request.message_id!r} was already accepted "
                f"within the last {dedup.window_seconds:g} s"
            )
        first = sent_before(self._ledger, key) or self._claim_shared(key, dedup)
        if first is not None:
            self._publish(request, msisdn, None, "duplicate", started, f"already_{first.value}")
            return Delivery(first, parts=message.parts, duplicate=True)
        entry = LedgerRecord(self._ledger, key or request.ledger_key, self._shared, key)
        ticket = self._life.accepted(request.message_id, request.source, request.user, msisdn)
        try:
            delivery = self._send(router, sms, request, message, entry)
        except Exception as exc:
            if key is not None and dedup is not None:
                dedup.release(key)  # nothing was sent: the client may retry with the same id
            entry.abandoned()
            code = getattr(exc, "code", "error")
            self._publish(request, msisdn, None, "rejected", started, code)
            self._life.refused(ticket, str(code))
            raise
        entry.finished(delivery.outcome)
        self._life.finished(ticket, delivery)
        delivery = replace(delivery, status_id=ticket.message_id)
        if key is not None and dedup is not None and delivery.outcome is SendOutcome.FAILED:
            dedup.release(key)
        tried = tuple(attempt.modem_id for attempt in delivery.attempts)
        self._publish(
            request, msisdn, delivery.modem_id, delivery.outcome.value, started,
            delivery.error_code or "ok", delivery.parts, tried,
        )  # fmt: skip
        return delivery

    def _claim_shared(self, key: str | None, dedup: DedupWindow | None) -> SendOutcome | None:
        """``claimed_elsewhere``; the id is free again here while another device holds it."""
        try:
            return claimed_elsewhere(self._shared, key)
        except ClaimedElsewhereError:
            if key is not None and dedup is not None:
                dedup.release(key)
            raise

    def recipient(self, number: str) -> Msisdn:
        """``number`` in MSISDN form, as ``submit`` takes it (InvalidNumberError if it is not
        a number); a request carrying the result is not normalised again."""
        router, _dedup = self._current()
        return Msisdn.parse(number, router.country_code)

    def claim_id(self, namespace: str, message_id: str) -> bool:
        """Claim ``message_id`` for another kind of message (e.g. mail); False if seen."""
        _router, dedup = self._current()
        key = self._dedup_key(message_id)
        return dedup is None or key is None or dedup.claim(f"{namespace}:{key}")

    def release_id(self, namespace: str, message_id: str) -> None:
        """Forget a claim made with ``claim_id`` (nothing was sent)."""
        _router, dedup = self._current()
        key = self._dedup_key(message_id)
        if dedup is not None and key is not None:
            dedup.release(f"{namespace}:{key}")

    @staticmethod
    def _dedup_key(message_id: str | None) -> str | None:
        if message_id is None or message_id == "":
            return None
        if len(message_id) > MAX_ID_CHARS:
            raise InvalidMessageError(
                f"message id is too long: {len(message_id)} characters, at most {MAX_ID_CHARS}",
                reason="bad_id",
            )
        return f"sms:{message_id}"

    def _send(
        self,
        router: Router,
        sms: OutboundSms,
        request: SmsRequest,
        message: EncodedSms,
        entry: LedgerRecord | None = None,
    ) -> Delivery:
        if self._blocklist.is_blocked(sms.msisdn):
            raise BlockedNumberError(f"{mask_msisdn(sms.msisdn)} is on the blocking list")
        routes = self.routes()
        if request.modem_id is not None:  # the administrator's test of one modem
            tiers = [[r.id for r in routes if r.id == request.modem_id and r.testable()]]
        else:
            tiers = router.tiers(sms.msisdn, routes, manual=request.manual)
        max_attempts = int(self._settings.get("sms.max_attempts"))
        if not next_choice(tiers, ()):
            tiers = self._capped(router, sms.msisdn, routes, request)
        if not next_choice(tiers, ()):
            raise NoModemAvailableError("no active, connected modem can send to this number")
        timeout = float(self._settings.get("sms.queue_timeout_seconds"))
        attempts: list[Attempt] = []
        tried: set[str] = set()
        delivery = Delivery(SendOutcome.FAILED, parts=message.parts)
        info: ErrorInfo | None = None
        before = entry.sending if entry is not None and entry.active else None
        while len(attempts) < max_attempts and (choice := next_choice(tiers, tried)):
            delivery = self._gateway.send(
                choice, message, timeout, lane=request.lane, expires_at=request.expires_at,
                before_send=before,
            )  # fmt: skip
            modem_id = delivery.modem_id
            tried.update(choice if modem_id is None else (modem_id,))
            used = modem_id or "/".join(choice)
            attempts.append(Attempt(used, delivery.outcome, delivery.error_code))
            if delivery.outcome is SendOutcome.EXPIRED:
                break  # never written: nothing to learn about the modem, never tried again
            if delivery.error_code == STOPPING_CODE:
                self._give_back(entry)  # no modem started it: the device is stopping
            info = self._classify(modem_id, delivery, routes) if modem_id is not None else None
            if delivery.outcome is SendOutcome.SENT:
                self.health.sent(used)
                break
            if not delivery.may_try_another_modem:
                break  # unknown: never resend
            if self._stopping() and (info is None or policy(info.error_class).fail_over):
                self._give_back(entry)  # never to another modem during a stop
            if info is not None and not policy(info.error_class).fail_over:
                log.warning("%s on modem %s failed (%s, %s): not tried elsewhere",
                            sms, modem_id, delivery.error_code, info.error_class.value)  # fmt: skip
                break
            log.warning(
                "%s on modem %s failed (%s); trying the next modem",
                sms, used, delivery.error_code,
            )  # fmt: skip
        return Delivery(
            delivery.outcome,
            delivery.modem_id,
            delivery.message_reference,
            delivery.parts or message.parts,
            delivery.error_code,
            delivery.error,
            attempts,
            info.error_class.value if info is not None else None,
            info.text if info is not None else None,
            message_references=delivery.message_references,
        )

    @staticmethod
    def _give_back(entry: LedgerRecord | None) -> None:
        """End a message nothing went out for because the device is stopping: StoppingError
        (the client or the feeder's broker keeps it for later)."""
        if entry is not None:
            entry.finished(SendOutcome.FAILED)  # a written ``sending`` must not read as unknown
        raise StoppingError("the device is stopping; the message was not sent")

    @staticmethod
    def _capped(
        router: Router, msisdn: str, routes: list[ModemRoute], request: SmsRequest
    ) -> list[list[str]]:
        """When only their SIMs' caps keep the candidates out of routing: all of them as one
        tier, so the gateway refuses the message at once (QuotaReachedError, with the time
        until the earliest has room) or sends it if one has room again by now."""
        capped = {route.id for route in routes if route.reason == "quota"}
        if not capped:
            return []
        opened = [replace(r, healthy=True, reason=None) if r.id in capped else r for r in routes]
        if request.modem_id is not None:
            tiers = [[r.id for r in opened if r.id == request.modem_id and r.testable()]]
        else:
            tiers = router.tiers(msisdn, opened, manual=request.manual)
        return [[modem for tier in tiers for modem in tier]] if next_choice(tiers, ()) else []

    def routes(self) -> list[ModemRoute]:
        """Every configured modem as routing sees it now: the gateway's view with the holds
        applied (what the router, the admin pages and ``/metrics`` all show)."""
        return self.health.routes(self._gateway.routes())

    def _classify(
        self, modem_id: str, delivery: Delivery, routes: list[ModemRoute]
    ) -> ErrorInfo | None:
        """The class a reply names for an attempt's error (None when sent).

        ``ModemHealth`` hears the error resolved by the modem's SMS-path check (a ``sim`` or
        ``configuration`` error puts the modem on hold); the reply names ``unknown`` for an
        unknown outcome whatever the code (``send_errors.reported``)."""
        info = classify(delivery.error_code) if delivery.outcome is not SendOutcome.SENT else None
        if info is None:
            return None
        if policy(info.error_class).diagnose:
            info = after_diagnosis(info, delivery.path_check)
        route = next((r for r in routes if r.id == modem_id), None)
        self.health.failed(modem_id, info, route)
        return reported(info, delivery.outcome)

    def _publish(
        self,
        request: SmsRequest,
        msisdn: str,
        modem_id: str | None,
        outcome: str,
        started: float,
        code: str,
        parts: int = 0,
        attempts: tuple[str, ...] = (),
    ) -> None:
        event = SmsEvent.now(request.source, request.user, msisdn, outcome, code,
                             modem_id=modem_id, duration=time.monotonic() - started,
                             parts=parts, attempts=attempts)  # fmt: skip
        self.events.publish(event)
