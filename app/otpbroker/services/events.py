"""What happened to each request, for the monitor and ``/metrics`` (never message text)."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.services.listeners import Listeners


@dataclass(frozen=True)
class SmsEvent:
    """One finished request: source, masked recipient, modem used, outcome, duration."""

    at: float
    source: str
    user: str | None
    recipient: str
    modem_id: str | None
    outcome: str
    duration: float
    code: str
    parts: int = 0
    kind: str = "sms"
    attempts: tuple[str, ...] = field(default_factory=tuple)
    # The whole number, in memory only: the monitor shows it when sms.monitor_recipient is
    # "full"; logs and /metrics never use it.
    recipient_full: str = field(default="", repr=False)

    @classmethod
    def now(
        cls, source: str, user: str | None, msisdn: str, outcome: str, code: str, **more: Any
    ) -> SmsEvent:
        """An event that happens now, about ``msisdn`` (kept masked, and whole in memory);
        ``more``: modem_id, duration, parts, attempts."""
        fields: dict[str, Any] = {"modem_id": None, "duration": 0.0, **more}
        return cls(at=time.time(), source=source, user=user, recipient=mask_msisdn(msisdn),
                   recipient_full=msisdn, outcome=outcome, code=code, **fields)  # fmt: skip


Listener = Callable[[SmsEvent], None]


class EventLog:
    """Counters by outcome and modem, the last events, and live listeners."""

    def __init__(self, keep: int = 200) -> None:
        self._lock = threading.Lock()
        self._recent: deque[SmsEvent] = deque(maxlen=keep)
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._listeners: Listeners[Listener] = Listeners("event")
        self.started = time.time()

    def publish(self, event: SmsEvent) -> None:
        """Record an event and tell every listener (a failing listener is logged, not fatal)."""
        with self._lock:
            self._recent.append(event)
            self._counts[(event.kind, event.outcome, event.modem_id or "none")] += 1
        self._listeners.tell(event)

    def note(self, event: SmsEvent) -> None:
        """Show an event that is not a finished request (a failed or throttled login: kind
        ``login``, the client's address as its recipient) without counting it."""
        with self._lock:
            self._recent.append(event)
        self._listeners.tell(event)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        return self._listeners.subscribe(listener)

    def counts(self) -> dict[tuple[str, str, str], int]:
        """``(kind, outcome, modem) -> count`` since start."""
        with self._lock:
            return dict(self._counts)

    def recent(self) -> list[SmsEvent]:
        """The last events, oldest first."""
        with self._lock:
            return list(self._recent)
