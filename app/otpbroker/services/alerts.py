"""Alerts: what the administrator must know and act on, raised and cleared by key.

One place holds them (the admin home page, the monitor and ``/metrics`` read it; the log gets
a line when one is raised and when it is cleared; ``AlertMailer`` e-mails new ones). Raising
an alert that is already active with the same words changes nothing, so a condition seen
again and again is reported once. Alert texts describe modems and SIMs only: they never
carry a message text, and any long digit run (a phone number, should one slip in) is masked.

An alert keeps its words as ``Wording``: a message marked for the catalogues and its named
values. Its ``title``, ``text`` and ``advice`` are the English rendering (the log, the bus,
``/metrics``, webhooks); ``shown()`` words it in the current language (the admin, e-mails).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from otpbroker.domain.message_life import DeviceAlert
from otpbroker.i18n.translate import _
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
class Wording:
    """A message marked with ``N_`` and its named values, worded when shown.

    A plain text (no message) is ``Wording.plain``: shown as it is in every language."""

    message: str
    values: tuple[tuple[str, str | Wording], ...] = ()
    """Each value a plain text (a name, an amount) or a message of its own."""

    @classmethod
    def of(cls, message: str, **values: str | Wording) -> Wording:
        """``message`` (marked with ``N_``) with ``values`` for its placeholders."""
        return cls(message, tuple(values.items()))

    @classmethod
    def plain(cls, text: str) -> Wording:
        """A text that is not translated (e.g. an English reason from the modem layer)."""
        return cls("{text}", (("text", text),)) if text else cls("")

    def english(self) -> str:
        """The English rendering (logs, the bus, comparisons)."""
        return self._render(lambda message: message, Wording.english)

    def shown(self) -> str:
        """The rendering in the current language."""
        return self._render(_, Wording.shown)

    def scrubbed(self) -> Wording:
        """This wording with every plain value scrubbed (see ``scrub``)."""
        return Wording(self.message, tuple(
            (name, value.scrubbed() if isinstance(value, Wording) else scrub(value))
            for name, value in self.values
        ))  # fmt: skip

    def _render(self, translate: Callable[[str], str], nested: Callable[[Wording], str]) -> str:
        if not self.message:
            return ""
        values = {n: nested(v) if isinstance(v, Wording) else v for n, v in self.values}
        return translate(self.message).format(**values)


def wording(text: str | Wording) -> Wording:
    """``text`` as a wording (a plain string is not translated)."""
    return text if isinstance(text, Wording) else Wording.plain(text)


@dataclass(frozen=True)
class Alert:
    """One active alert. ``mail`` says what became of its e-mail (empty: not tried yet).

    ``title``, ``text`` and ``advice`` are in English; ``words`` holds them as wordings."""

    key: str
    kind: str
    title: str
    text: str
    advice: str = ""
    severity: str = "error"
    modem_id: str | None = None
    raised_at: float = 0.0
    mail: str = ""
    words: tuple[Wording, Wording, Wording] | None = field(default=None, compare=False)

    def shown(self) -> tuple[str, str, str]:
        """Title, text and advice in the current language."""
        if self.words is None:
            return self.title, self.text, self.advice
        title, text, advice = self.words
        return scrub(title.shown()), scrub(text.shown()), scrub(advice.shown())


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
        title: str | Wording,
        text: str | Wording,
        *,
        advice: str | Wording = "",
        severity: str = "error",
        modem_id: str | None = None,
    ) -> bool:
        """Raise (or update) the alert ``key``; True when it is new. ValueError for an
        unknown kind or severity. Texts given as wordings are shown in the reader's language;
        plain strings as they are. Raising it again with the same English words changes
        nothing."""
        if kind not in KINDS or severity not in SEVERITIES:
            raise ValueError(f"unknown alert kind {kind!r} or severity {severity!r}")
        words = (wording(title).scrubbed(), wording(text).scrubbed(), wording(advice).scrubbed())
        title, text, advice = (scrub(w.english()) for w in words)
        with self._lock:
            old = self._active.get(key)
            if old is not None and (old.title, old.text, old.advice) == (title, text, advice):
                return False
            raised_at = old.raised_at if old else self._clock()
            mail = old.mail if old else ""
            alert = Alert(key, kind, title, text, advice, severity, modem_id, raised_at, mail,
                          words)  # fmt: skip
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


__all__ = ["KINDS", "Alert", "Alerts", "Listener", "Wording", "alert_listener", "scrub", "wording"]
