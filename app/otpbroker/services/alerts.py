"""Alerts: what the administrator must know and act on, raised and cleared by key.

One place holds them (the admin home page, the monitor and ``/metrics`` read it; the log gets
a line when one is raised and when it is cleared; ``AlertMailer`` e-mails new ones). Raising
an alert that is already active with the same words changes nothing, so a condition seen
again and again is reported once. Alert texts describe modems and SIMs only: they never
carry a message text, and any long digit run (a phone number, should one slip in) is masked.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from otpbroker.domain.message_life import DeviceAlert
from otpbroker.services.listeners import Listeners

log = logging.getLogger(__name__)

#: Every kind of alert (a fixed set, e.g. for ``/metrics`` labels).
KINDS = (
    "sim_account",
    "configuration",
    "dead",
    "sim_locked",
    "no_sim",
    "no_sms_path",
    "shared_ledger",
)
SEVERITIES = ("error", "warning")
_DIGITS = re.compile(r"\+?\d{7,}")


def scrub(text: str) -> str:
    """Mask digit runs long enough to be a phone number (keeping the last two digits)."""
    return _DIGITS.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], text)


@dataclass(frozen=True)
class Alert:
    """One active alert. ``mail`` says what became of its e-mail (empty: not tried yet)."""

    key: str
    kind: str
    title: str
    text: str
    advice: str = ""
    severity: str = "error"
    modem_id: str | None = None
    raised_at: float = 0.0
    mail: str = ""


Listener = Callable[[str, Alert], None]
"""Told ``("raised", alert)`` or ``("cleared", alert)``."""


class Alerts:
    """The active alerts, thread-safe; listeners hear of every raise and clear."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._active: dict[str, Alert] = {}
        self._listeners: Listeners[Listener] = Listeners("alert")

    def raise_alert(
        self,
        key: str,
        kind: str,
        title: str,
        text: str,
        *,
        advice: str = "",
        severity: str = "error",
        modem_id: str | None = None,
    ) -> bool:
        """Raise (or update) the alert ``key``; True when it is new. ValueError for an
        unknown kind or severity."""
        if kind not in KINDS or severity not in SEVERITIES:
            raise ValueError(f"unknown alert kind {kind!r} or severity {severity!r}")
        title, text, advice = scrub(title), scrub(text), scrub(advice)
        with self._lock:
            old = self._active.get(key)
            if old is not None and (old.title, old.text, old.advice) == (title, text, advice):
                return False
            raised_at = old.raised_at if old else self._clock()
            mail = old.mail if old else ""
            alert = Alert(key, kind, title, text, advice, severity, modem_id, raised_at, mail)
            self._active[key] = alert
        if old is None:
            log.warning("alert raised: %s: %s", title, text)
            self._tell("raised", alert)
        else:
            log.info("alert updated: %s: %s", title, text)
        return old is None

    def clear(self, key: str, why: str = "") -> bool:
        """Clear the alert ``key``; True when it was active."""
        with self._lock:
            alert = self._active.pop(key, None)
        if alert is None:
            return False
        log.info("alert cleared: %s%s", alert.title, f" ({why})" if why else "")
        self._tell("cleared", alert)
        return True

    def note_mail(self, key: str, outcome: str) -> None:
        """Record what became of the alert's e-mail (shown with it)."""
        with self._lock:
            alert = self._active.get(key)
            if alert is not None:
                self._active[key] = replace(alert, mail=outcome)

    def get(self, key: str) -> Alert | None:
        """The active alert ``key``, if any."""
        with self._lock:
            return self._active.get(key)

    def active(self) -> list[Alert]:
        """Every active alert, oldest first."""
        with self._lock:
            return sorted(self._active.values(), key=lambda a: a.raised_at)

    def counts(self) -> dict[str, int]:
        """Active alerts by kind (every kind present, zero included)."""
        counts = dict.fromkeys(KINDS, 0)
        for alert in self.active():
            counts[alert.kind] += 1
        return counts

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        return self._listeners.subscribe(listener)

    def _tell(self, event: str, alert: Alert) -> None:
        self._listeners.tell(event, alert)


def alert_listener(
    publish: Callable[[DeviceAlert], None], clock: Callable[[], float] = time.time
) -> Listener:
    """A listener that tells ``publish`` (the two-way bus) each alert raised or cleared, in
    its scrubbed words only (the mail outcome and the advice stay on the device)."""

    def tell(event: str, alert: Alert) -> None:
        level = "cleared" if event == "cleared" else alert.severity
        publish(DeviceAlert(alert.kind, alert.key, level, alert.title, alert.text,
                            alert.modem_id, clock()))  # fmt: skip

    return tell


__all__ = ["KINDS", "Alert", "Alerts", "Listener", "alert_listener", "scrub"]
