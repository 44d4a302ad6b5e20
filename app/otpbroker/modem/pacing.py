"""The pacing gate: which modem a waiting send may take now, given each SIM's gap and caps.

The dispatcher asks the gate (``pick``) while it holds its lock, so deciding and counting a
send are one step: two sends can never both take a SIM's last unit of a cap. A modem whose
gap has not passed is not handed out; the gate wakes the dispatcher when the gap ends. A
send whose every candidate modem is at a cap is refused at once (``Pick.refused``, the
seconds until the earliest has room). After the send the pool tells the gate (``finish``):
the gap starts then, and a send that failed before anything was written is given back.

Counts live in memory and are written through the ``UsageStore`` (``flush``) once per
granted send, before the SMS goes to the modem: a crash never loses a sent message's count.
Recipients are counted as keyed hashes (HMAC-SHA256 with the store's per-device key).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import random
import secrets
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Protocol

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.routing import ModemRoute, Words
from otpbroker.domain.sim_quota import (
    NO_PACING,
    PacingRule,
    Reservation,
    SimUsage,
    day_start,
    month_start,
    next_day,
    next_month,
    refund,
    reserve,
    roll,
    room,
)
from otpbroker.i18n.translate import N_

Timer = Callable[[float, Callable[[], None]], None]


class UsageStore(Protocol):
    """Where the counts survive a restart (``config.quota_store.QuotaFile``)."""

    def key(self) -> bytes:
        """The per-device key of the recipients' hashes."""
        ...

    def load(self) -> dict[str, SimUsage]:
        """The counts last saved, by modem id."""
        ...

    def save(self, usage: Mapping[str, SimUsage]) -> None:
        """Replace the saved counts (atomically)."""
        ...


@dataclass(frozen=True)
class Ticket:
    """What the gate needs to know about a waiting send: its recipient's hash and lane."""

    recipient: str | None = None
    lane: Lane = Lane.OTP


ANY_TICKET = Ticket()


@dataclass(frozen=True)
class Pick:
    """The gate's answer for one waiting send: a modem (reserved), a refusal, or wait."""

    modem: str | None = None
    refused: float | None = None
    """Every candidate is at a cap: the seconds until the earliest has room."""


@dataclass(frozen=True)
class QuotaView:
    """One modem's use of its caps, for the admin and ``/metrics``."""

    modem_id: str
    rule: PacingRule
    hour: int
    day: int
    recipients: int
    hour_room_at: float | None
    """When the sliding hour has room again (None: it has room)."""
    day_reset: float
    month_reset: float
    back_at: float | None
    """When it takes a message to a new number again (None: it does now)."""
    refused: int


def _thread_timer(delay: float, wake: Callable[[], None]) -> None:
    """Call ``wake`` in ``delay`` seconds on a daemon timer thread."""
    timer = threading.Timer(delay, wake)
    timer.daemon = True
    timer.start()


class PacingGate:
    """Gaps and caps of every modem; thread-safe. Without rules it lets everything through."""

    def __init__(
        self,
        store: UsageStore | None = None,
        *,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
        rng: random.Random | None = None,
        timer: Timer = _thread_timer,
    ) -> None:
        """``clock``: wall time (windows follow the local calendar in ``tz``, None: local);
        ``timer``: how a wake-up at a gap's end is scheduled."""
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._store = store
        self._key = store.key() if store is not None else secrets.token_bytes(32)
        self._usage: dict[str, SimUsage] = store.load() if store is not None else {}
        self._clock, self._tz, self._timer = clock, tz, timer
        self._rng = rng or random.Random()
        self._rules: dict[str, PacingRule] = {}
        self._held: dict[str, Reservation] = {}
        self._gap_end: dict[str, float] = {}
        self._refused: dict[str, int] = {}
        self._version = self._saved = 0
        self._wake: Callable[[], None] | None = None
        self._wake_at: float | None = None

    def bind(self, wake: Callable[[], None]) -> None:
        """``wake`` is called (without the gate's lock) when a gap ends."""
        self._wake = wake

    def configure(self, rules: Mapping[str, PacingRule]) -> None:
        """The rule of every configured modem (others: no pacing)."""
        with self._lock:
            self._rules = dict(rules)

    def ticket(self, recipient: str, lane: Lane = Lane.OTP) -> Ticket:
        """The ticket of a send to ``recipient`` (hashed here with the device's key)."""
        digest = hmac.new(self._key, recipient.encode(), hashlib.sha256).hexdigest()
        return Ticket(digest[:32], lane)

    def pick(self, choices: Sequence[str], free: Collection[str], ticket: Ticket) -> Pick:
        """The first of ``choices`` that is ``free``, past its gap and within its caps,
        reserved for this send; or a refusal when every choice is at a cap; or wait."""
        with self._lock:
            now = self._clock()
            capped: list[float] = []
            gaps: list[float] = []
            for modem in choices:
                rule = self._rules.get(modem, NO_PACING)
                usage = self._rolled(modem, rule, now)
                wait = room(usage, rule, ticket.recipient, now, self._tz)
                if wait > 0:
                    capped.append(wait)
                elif modem in free:
                    gap = self._gap_left(modem, rule, ticket.lane, now)
                    if gap <= 0:  # times and recipients are only kept where capped
                        counted = ticket.recipient if rule.recipients_per_month else None
                        hourly = rule.per_hour > 0
                        self._held[modem] = reserve(usage, counted, now, hourly=hourly)
                        if rule.capped:  # an uncapped SIM's counts are not written per send
                            self._version += 1
                        return Pick(modem)
                    gaps.append(gap)
            if choices and len(capped) == len(choices):
                for modem in choices:
                    self._refused[modem] = self._refused.get(modem, 0) + 1
                return Pick(refused=min(capped))
            if gaps:
                self._schedule(now, min(gaps))
            return Pick()

    def finish(self, modem_id: str, *, give_back: bool) -> None:
        """The send on ``modem_id`` is over: its gap starts now; ``give_back`` when nothing
        was written to the modem (the reservation is returned)."""
        with self._lock:
            now = self._clock()
            rule = self._rules.get(modem_id, NO_PACING)
            if rule.min_gap > 0 or rule.jitter > 0:
                self._gap_end[modem_id] = now + rule.min_gap + self._rng.uniform(0, rule.jitter)
            held = self._held.pop(modem_id, None)
            if give_back and held is not None:
                refund(self._usage.setdefault(modem_id, SimUsage()), held)
                if rule.capped:
                    self._version += 1

    def flush(self) -> None:
        """Write the counts if they changed since the last write."""
        if self._store is None:
            return
        with self._lock:
            if self._version == self._saved:
                return
            version, snapshot = self._version, copy.deepcopy(self._usage)
        with self._write_lock:
            if version <= self._saved:
                return
            self._store.save(snapshot)
            self._saved = version

    def back_at(self, modem_id: str) -> float | None:
        """When ``modem_id`` takes a message to a new number again; None when it does now."""
        with self._lock:
            now = self._clock()
            rule = self._rules.get(modem_id, NO_PACING)
            wait = room(self._rolled(modem_id, rule, now), rule, None, now, self._tz)
            return now + wait if wait > 0 else None

    def views(self) -> list[QuotaView]:
        """Every configured modem's use of its caps."""
        with self._lock:
            now = self._clock()
            return [self._view(modem, rule, now) for modem, rule in self._rules.items()]

    def _view(self, modem: str, rule: PacingRule, now: float) -> QuotaView:
        usage = self._rolled(modem, rule, now)
        wait = room(usage, rule, None, now, self._tz)
        hour_full = rule.per_hour and len(usage.hour) >= rule.per_hour
        return QuotaView(
            modem, rule, len(usage.hour), usage.day_count, len(usage.recipients),
            usage.hour[len(usage.hour) - rule.per_hour] + 3600.0 if hour_full else None,
            next_day(day_start(now, rule.reset, self._tz)),
            next_month(month_start(now, rule.reset, self._tz)),
            now + wait if wait > 0 else None, self._refused.get(modem, 0),
        )  # fmt: skip

    def refused_total(self) -> dict[str, int]:
        """Grants refused for quota so far, by modem (each capped candidate of a refusal)."""
        with self._lock:
            return dict(self._refused)

    def _rolled(self, modem: str, rule: PacingRule, now: float) -> SimUsage:
        """The modem's usage with its windows rolled to ``now`` (lock held; not a change to
        write: a reload rolls the same way)."""
        usage = self._usage.setdefault(modem, SimUsage())
        roll(usage, now, rule.reset, self._tz)
        return usage

    def _gap_left(self, modem: str, rule: PacingRule, lane: Lane, now: float) -> float:
        """Seconds until the modem's gap has passed for a send in ``lane`` (lock held)."""
        if lane is Lane.OTP and rule.otp_bypass_gap:
            return 0.0
        return self._gap_end.get(modem, 0.0) - now

    def _schedule(self, now: float, delay: float) -> None:
        """Wake the dispatcher in ``delay`` seconds unless an earlier wake-up is due (lock
        held)."""
        at = now + delay
        if self._wake_at is not None and self._wake_at <= at:
            return
        self._wake_at = at
        self._timer(delay, self._fire)

    def _fire(self) -> None:
        """A gap ended: let the dispatcher grant again."""
        with self._lock:
            self._wake_at = None
        if self._wake is not None:
            self._wake()


#: Failures that left nothing on the modem: the send is given back to the SIM's counts.
NOTHING_WRITTEN = frozenset(
    {"MODEM_UNAVAILABLE", "MODEM_STOPPED", "QUEUE_TIMEOUT", "NO_PROMPT", "NO_ANSWER", "PORT_GONE"}
)


def nothing_written(delivery: Delivery | None) -> bool:
    """True when the send failed or expired before anything was written to the modem."""
    if delivery is None:
        return False
    if delivery.outcome is SendOutcome.EXPIRED:
        return True  # the owner thread checks the expiry before it writes anything
    return delivery.outcome is SendOutcome.FAILED and delivery.error_code in NOTHING_WRITTEN


def quota_route(gate: PacingGate, route: ModemRoute) -> ModemRoute:
    """``route``, out of routing for ``quota`` while its SIM is at a cap."""
    if not route.healthy:
        return route
    back = gate.back_at(route.id)
    if back is None:
        return route
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(back))
    words = Words(N_("its SIM reached a sending cap; back at {when}"), values=(("when", when),))
    return replace(route, healthy=False, reason="quota", back_at=back,
                   reason_text=f"its SIM reached a sending cap; back at {when}",
                   reason_words=(words,))  # fmt: skip


__all__ = [
    "ANY_TICKET",
    "NOTHING_WRITTEN",
    "PacingGate",
    "Pick",
    "QuotaView",
    "Ticket",
    "UsageStore",
    "nothing_written",
    "quota_route",
]
