"""Late binding of messages to modems: a send waits for the first free modem of its choice.

A message that may go out on any of several equally good modems (one routing tier) is not
queued on one of them when it arrives: it waits here until one of them is free and takes
that one. So a modem that is slower at the moment (a busier cell, a slower SMSC answer)
simply takes fewer messages, and no modem idles while another has a queue. Waiting sends
are served by lane (every OTP before any bulk message), then oldest first; each takes the
first free modem in its own order of preference (the router's round-robin order), so an
idle device still uses its modems in turn. Because a message binds to a modem only when
the modem is free, a waiting OTP is the next message on the first modem that frees up: it
waits at most for the one send in flight there.

A waiting send whose expiry (wall clock) has passed takes no modem: it stops waiting, and
the caller reports it expired.

A modem is handed out only while it is ready, and only to one send at a time: exactly one
``AT+CMGS`` is in flight per modem. The pacing gate (``pacing.py``) has the last word: a
modem in its gap or at a cap is not handed out, and a send whose every choice is capped is
refused (``QuotaReachedError``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from otpbroker.domain.delivery import Lane
from otpbroker.domain.errors import QuotaReachedError
from otpbroker.modem.pacing import ANY_TICKET, PacingGate, Ticket


class DispatcherClosed(RuntimeError):
    """No modem is handed out any more: the device is stopping."""


@dataclass(eq=False)
class _Waiter:
    """One send waiting for a modem."""

    choices: tuple[str, ...]
    lane: Lane = Lane.OTP
    expires_at: float | None = None
    ticket: Ticket = ANY_TICKET
    granted: str | None = None
    refused: float | None = None
    closed: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


class Dispatcher:
    """Which modems are ready and free, and which sends wait for one. Thread-safe."""

    def __init__(
        self, gate: PacingGate | None = None, wall_clock: Callable[[], float] = time.time
    ) -> None:
        """No modem is ready yet. ``wall_clock``: what expiries are compared with;
        ``gate``: the modems' pacing (None: none)."""
        self._gate = gate or PacingGate()
        self._gate.bind(self.regrant)
        self._lock = threading.Lock()
        self._wall_clock = wall_clock
        self._ready: set[str] = set()
        self._busy: set[str] = set()
        self._waiting: list[_Waiter] = []  # in arrival order
        self._closed = False  # the device is stopping: no send takes a modem any more

    def set_ready(self, modem_id: str, ready: bool) -> None:
        """A modem became ready (connected, able to send) or stopped being so."""
        with self._lock:
            if ready:
                self._ready.add(modem_id)
            else:
                self._ready.discard(modem_id)
            self._grant()

    def acquire(
        self,
        choices: Sequence[str],
        timeout: float,
        ticket: Ticket = ANY_TICKET,
        *,
        lane: Lane = Lane.OTP,
        expires_at: float | None = None,
    ) -> str | None:
        """Wait up to ``timeout`` seconds for one of ``choices`` to be free; return the one
        taken (the caller must :meth:`release` it), or None when none became free or
        ``expires_at`` (wall clock) passed first. QuotaReachedError when every choice is
        at a cap; DispatcherClosed once :meth:`close` was called (before or while it
        waits)."""
        waiter = _Waiter(tuple(dict.fromkeys(choices)), lane, expires_at, ticket)
        if expires_at is not None:
            timeout = min(timeout, expires_at - self._wall_clock())
        with self._lock:
            if self._closed:
                raise DispatcherClosed("the device is stopping")
            self._waiting.append(waiter)
            self._grant()
        waiter.wake.wait(max(0.0, timeout))
        with self._lock:
            if waiter.granted is None and waiter.refused is None and waiter in self._waiting:
                self._waiting.remove(waiter)
        if waiter.refused is not None:
            raise QuotaReachedError.after(waiter.refused)
        if waiter.closed:
            raise DispatcherClosed("the device is stopping")
        return waiter.granted

    def close(self) -> None:
        """The device is stopping: every waiting send stops waiting empty-handed, and no
        send takes a modem from now on (the sends that hold one finish)."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                waiter.closed = True
        for waiter in waiting:
            waiter.wake.set()

    def regrant(self) -> None:
        """Try again to give free modems to waiting sends (a gap has ended)."""
        with self._lock:
            self._grant()

    def release(self, modem_id: str) -> None:
        """The send on ``modem_id`` is over: the modem is free for the next one."""
        with self._lock:
            self._busy.discard(modem_id)
            self._grant()

    def waiting(self) -> int:
        """How many sends wait for a modem now."""
        with self._lock:
            return len(self._waiting)

    def waiting_for(self) -> dict[str, int]:
        """How many waiting sends each modem could take now (a send with several choices
        counts for each of them)."""
        counts: dict[str, int] = {}
        with self._lock:
            for waiter in self._waiting:
                for modem_id in waiter.choices:
                    counts[modem_id] = counts.get(modem_id, 0) + 1
        return counts

    def busy(self) -> frozenset[str]:
        """The modems a send holds now (from the moment it takes one until its outcome)."""
        with self._lock:
            return frozenset(self._busy)

    def _grant(self) -> None:
        """Give free ready modems to the waiting sends, OTPs first, then oldest first; wake
        the expired ones empty-handed (lock held)."""
        if not self._waiting:
            return
        free = self._ready - self._busy
        if not free:
            return
        now = self._wall_clock()
        for waiter in sorted(self._waiting, key=_lane_rank):  # stable: arrival order kept
            if waiter.expires_at is not None and waiter.expires_at <= now:
                self._waiting.remove(waiter)
                waiter.wake.set()
                continue
            if not free:
                return
            pick = self._gate.pick(waiter.choices, free, waiter.ticket)
            chosen = pick.modem
            if chosen is None:
                if pick.refused is not None:
                    self._waiting.remove(waiter)
                    waiter.refused = pick.refused
                    waiter.wake.set()
                continue
            free.discard(chosen)
            self._busy.add(chosen)
            self._waiting.remove(waiter)
            waiter.granted = chosen
            waiter.wake.set()


def _lane_rank(waiter: _Waiter) -> int:
    """The order of lanes: OTP before bulk."""
    return waiter.lane.rank


__all__ = ["Dispatcher", "DispatcherClosed"]
