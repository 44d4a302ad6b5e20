"""The fleet: several devices consuming one queue, and the shared ledger that keeps one
message id from being sent by two of them (ids, device names and states only, never a text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

#: A claim taken before sending: the message has not reached ``AT+CMGS`` yet.
CLAIMED = "claimed"
#: States whose message went (or may have gone) out: another device never sends it.
WENT_OUT = ("sending", "sent", "unknown")


@dataclass(frozen=True)
class SharedClaim:
    """Who holds a message id in the shared ledger, in which state, since when (wall
    clock)."""

    device: str
    state: str
    at: float

    @property
    def went_out(self) -> bool:
        """True when the message was, or may have been, sent by ``device``."""
        return self.state in WENT_OUT


@runtime_checkable
class SharedLedger(Protocol):
    """A store every device of a fleet reaches (Redis/Valkey): message ids claimed, then
    their send states. Every method may raise ``OSError`` (or a subclass) when the store
    cannot be reached."""

    def claim(self, key: str, device: str, boot: str, seconds: float) -> SharedClaim | None:
        """Claim ``key`` for ``device`` (its process ``boot`` id) for ``seconds``
        (atomically); None when granted, else who holds it. A ``claimed`` record (not sent
        yet) is granted again to its own device, and taken over from a device whose
        heartbeat is gone or carries another boot id (it died, or restarted, before
        sending)."""
        ...

    def record(self, key: str, device: str, state: str, seconds: float) -> None:
        """Record ``state`` for ``key`` held by ``device``, kept ``seconds``."""
        ...

    def release(self, key: str, device: str) -> None:
        """Forget ``key`` if ``device`` holds it (nothing went out: another may send)."""
        ...

    def lookup(self, key: str) -> SharedClaim | None:
        """Who holds ``key``, None when nobody does."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@dataclass(frozen=True)
class ModemBeat:
    """One modem in a device's heartbeat: its id, state and counters (no number, no IMSI)."""

    modem_id: str
    state: str
    sent: int = 0
    failed: int = 0
    unknown: int = 0


@dataclass(frozen=True)
class DeviceBeat:
    """A device's heartbeat in the shared store: its name, when, and its modems."""

    device: str
    at: float
    modems: tuple[ModemBeat, ...] = field(default_factory=tuple)
    boot: str = ""
    """The process's boot id: a claim made under another one is its previous life's."""


@dataclass(frozen=True)
class QueueConsumer:
    """One consumer of a broker queue now: the queue, who (connection name or peer
    address), and its prefetch."""

    queue: str
    consumer: str
    prefetch: int = 0


class ModemCounts(Protocol):
    """What a heartbeat reads of a modem's status."""

    @property
    def modem_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def sent(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def unknown(self) -> int: ...


class FleetBeats(Protocol):
    """Heartbeats with an expiry in the shared store (names, states, counters only)."""

    def beat(self, beat: DeviceBeat, seconds: float) -> None:
        """Publish ``beat``, gone after ``seconds`` unless published again."""
        ...

    def beats(self) -> Sequence[DeviceBeat]:
        """Every live heartbeat."""
        ...


class ConsumerList(Protocol):
    """The broker's list of consumers now (e.g. RabbitMQ's management HTTP API)."""

    def consumers(self) -> Sequence[QueueConsumer]:
        """Every consumer; OSError when the list cannot be read."""
        ...


__all__ = [
    "CLAIMED", "WENT_OUT", "ConsumerList", "DeviceBeat", "FleetBeats", "ModemBeat",
    "ModemCounts", "QueueConsumer", "SharedClaim", "SharedLedger",
]  # fmt: skip
