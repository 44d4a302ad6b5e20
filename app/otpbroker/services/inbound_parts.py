"""Reassembling received SMS parts into messages, in memory only.

Parts are grouped by (modem, sender, reference, total). A message is finished when every
part is in, or given up on (``partial``) when its first part was seen ``give_up_after``
seconds ago (24 hours: a network retries an undelivered part for hours, rarely a day) or
when more than ``max_open`` messages are waiting (the oldest goes first). Until then its
parts stay on the SIM: the modem deletes a part's slot only once its message is finished,
so a restart loses nothing (the periodic listing hands the stored parts over again).

A part handed over again after its message was finished (the deletion failed, the next
listing found it) is recognised for ``done_window`` seconds and only deleted, never
delivered twice.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from otpbroker.domain.inbound import InboundPart, SimSlot

GIVE_UP_AFTER = 24 * 3600.0
DONE_WINDOW = 2 * 3600.0
MAX_OPEN = 500

_Key = tuple[str, str, int, int]


@dataclass(frozen=True)
class Finished:
    """A message whose parts are all in (or all there will be: ``partial``)."""

    parts: tuple[InboundPart, ...]
    partial: bool = False
    total: int = 1

    @property
    def text(self) -> str:
        """The parts' texts in order; a surrogate pair split across parts is joined, a
        lone half becomes U+FFFD."""
        joined = "".join(p.text for p in self.parts)
        return joined.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")

    @property
    def slots(self) -> list[SimSlot]:
        """Where the parts sit in the SIM store (to delete)."""
        return [p.slot for p in self.parts]


@dataclass
class _Open:
    first_seen: float
    parts: dict[int, InboundPart] = field(default_factory=dict)


def _fingerprint(part: InboundPart) -> str:
    """Identifies one part in memory (a digest: the text itself is not kept)."""
    data = f"{part.modem_id}\0{part.sender}\0{part.sent_at}\0{part.concat}\0{part.text}"
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


class PartBook:
    """The parts of the messages not complete yet, across every modem (thread-safe)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        give_up_after: float = GIVE_UP_AFTER,
        done_window: float = DONE_WINDOW,
        max_open: int = MAX_OPEN,
    ) -> None:
        """An empty book; ``clock`` gives the time (epoch seconds)."""
        self._clock = clock
        self._give_up_after = give_up_after
        self._done_window = done_window
        self._max_open = max_open
        self._open: dict[_Key, _Open] = {}
        self._done: dict[str, float] = {}  # fingerprints of parts already delivered
        self._lock = threading.Lock()

    def add(self, part: InboundPart) -> tuple[list[Finished], list[SimSlot]]:
        """Take one part: (the messages it finishes, the slots that may be deleted now).

        Also gives up on this modem's messages that waited too long (their parts come
        round again with every listing of that modem's SIM)."""
        now = self._clock()
        with self._lock:
            self._prune(now)
            stale = self._stale(part.modem_id, now)
            if _fingerprint(part) in self._done:
                out, slots = stale, [part.slot]
            else:
                out, slots = stale + self._place(part, now), []
            for message in out:
                for done in message.parts:
                    self._done[_fingerprint(done)] = now
            # Parts of another modem's message given up on go at that SIM's next listing.
            slots += [s for s, p in self._located(out) if p.modem_id == part.modem_id]
            return out, slots

    def waiting(self) -> int:
        """Messages with parts missing."""
        with self._lock:
            return len(self._open)

    @staticmethod
    def _located(messages: list[Finished]) -> list[tuple[SimSlot, InboundPart]]:
        return [(p.slot, p) for message in messages for p in message.parts]

    def _place(self, part: InboundPart, now: float) -> list[Finished]:
        if part.concat is None or part.concat[1] <= 1:
            return [Finished((part,))]
        reference, total, sequence = part.concat
        key = (part.modem_id, part.sender, reference, total)
        entry = self._open.setdefault(key, _Open(now))
        entry.parts[sequence] = part  # the same part again replaces itself
        if len(entry.parts) == total:
            del self._open[key]
            return [Finished(tuple(entry.parts[n] for n in sorted(entry.parts)), total=total)]
        finished: list[Finished] = []
        while len(self._open) > self._max_open:
            oldest = min(self._open, key=lambda k: self._open[k].first_seen)
            finished.append(self._give_up(oldest))
        return finished

    def _stale(self, modem_id: str, now: float) -> list[Finished]:
        """Give up on this modem's messages whose first part came too long ago."""
        limit = now - self._give_up_after
        keys = [k for k, v in self._open.items() if k[0] == modem_id and v.first_seen <= limit]
        return [self._give_up(key) for key in keys]

    def _give_up(self, key: _Key) -> Finished:
        entry = self._open.pop(key)
        parts = tuple(entry.parts[n] for n in sorted(entry.parts))
        return Finished(parts, partial=True, total=key[3])

    def _prune(self, now: float) -> None:
        old = [k for k, at in self._done.items() if at <= now - self._done_window]
        for key in old:
            del self._done[key]


__all__ = ["DONE_WINDOW", "GIVE_UP_AFTER", "MAX_OPEN", "Finished", "PartBook"]
