"""SharedClaims: the use case of the shared ledger (``domain.fleet.SharedLedger``).

With ``fleet.enabled`` a message id is claimed in the shared store before the message goes
to a modem, ``sending`` is recorded just before its first ``AT+CMGS`` and its outcome after.
A redelivered message that another device claimed and sent (or may have sent) is answered as
a duplicate, so a feeder acknowledges it without sending; one that another device claimed
but has not sent yet waits (``ClaimedElsewhereError``, "try later") until that claim ends:
that device sends it (a duplicate then) or gives it back, or is gone (its heartbeat expired,
or carries a new boot id: it restarted), and the claim is taken over at once.

An unreachable store never stops sending: the local ledger still guards this device, the
state is kept for the admin and ``/metrics`` (``state``), and one alert is raised until the
store answers again.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from otpbroker.domain.errors import DomainError
from otpbroker.domain.fleet import SharedClaim, SharedLedger
from otpbroker.domain.ports import Settings
from otpbroker.i18n.translate import N_
from otpbroker.services.alerts import Alerts, Wording
from otpbroker.services.fleet_names import device_name
from otpbroker.services.readiness import ReadinessNote

log = logging.getLogger(__name__)

ALERT_KEY = "fleet:shared_ledger"
ALERT_TITLE = N_("Shared ledger unreachable")
ALERT_TEXT = N_(
    "The fleet's shared ledger (Redis/Valkey) does not answer. This device goes on"
    " sending with its own ledger: a message redelivered to another device might be"
    " sent twice until it answers again."
)
ALERT_ADVICE = N_("Check fleet.ledger_url and that the Redis/Valkey server runs and is reachable.")
#: ``/health/ready``'s words for an unreachable shared ledger (the device still sends).
UNREACHABLE_NOTE = ReadinessNote(
    "shared_ledger", "unreachable",
    "shared ledger unreachable: sending goes on with this device's own ledger",
)  # fmt: skip
#: A key nobody holds: looked up to learn whether the store answers.
_PROBE_KEY = "probe:reachable"
T = TypeVar("T")
LedgerFactory = Callable[[str], SharedLedger]
"""Builds the adapter for a ``fleet.ledger_url``."""


class ClaimedElsewhereError(DomainError):
    """Another device claimed this message id and has not sent it yet: try again later (the
    claim ends when that device sends it, or after ``fleet.claim_seconds``)."""

    code = "claimed_elsewhere"
    retry_after = 5


@dataclass(frozen=True)
class LedgerState:
    """What the admin and ``/metrics`` show: off, ok or unreachable (and why)."""

    enabled: bool
    reachable: bool
    device: str
    error: str = ""


class SharedClaims:
    """The shared ledger as this device uses it (thread-safe)."""

    def __init__(self, settings: Settings, factory: LedgerFactory, alerts: Alerts) -> None:
        """``factory(url)`` builds the adapter when ``fleet.ledger_url`` is first used or
        changes."""
        self._settings = settings
        self._factory = factory
        self._alerts = alerts
        self._lock = threading.Lock()
        self._ledger: SharedLedger | None = None
        self._url = ""
        self._error = ""
        self.boot = secrets.token_hex(8)
        """This process's boot id: in its claims and heartbeats, so that another device can
        tell a claim of a previous life (killed before sending) from a live one."""

    @property
    def enabled(self) -> bool:
        """True when ``fleet.enabled``."""
        return bool(self._settings.get("fleet.enabled"))

    @property
    def device(self) -> str:
        """This device's fleet name (``fleet.device_name``, else the host name)."""
        return device_name(str(self._settings.get("fleet.device_name") or ""))

    def state(self) -> LedgerState:
        """Off, reachable, or unreachable with the last error."""
        with self._lock:
            error = self._error
        return LedgerState(self.enabled, self.enabled and not error, self.device, error)

    def notes(self) -> tuple[ReadinessNote, ...]:
        """What ``/health/ready`` says of the shared ledger: nothing, or that it is
        unreachable and sending goes on (never why: the error may name the store)."""
        return (UNREACHABLE_NOTE,) if self.enabled and not self.state().reachable else ()

    def probe(self) -> None:
        """Ask the store whether it answers (the state, and the alert, follow)."""
        self._guarded(lambda ledger: ledger.lookup(_PROBE_KEY))

    def claim(self, key: str) -> SharedClaim | None:
        """Claim ``key`` for this device: None when it may be sent (granted, fleet off, or
        the store unreachable), else the holder whose message went (or may have gone) out.
        ClaimedElsewhereError while another device holds it unsent."""
        seconds = float(self._settings.get("fleet.claim_seconds"))
        held = self._guarded(lambda ledger: ledger.claim(key, self.device, self.boot, seconds))
        if held is None or held.went_out:
            return held
        raise ClaimedElsewhereError(
            f"message id claimed by device {held.device!r}, not sent yet; try again later"
        )

    def record(self, key: str, state: str) -> None:
        """Record ``state`` (sending, sent, unknown) for ``key``; failed and expired release it
        (nothing went out: another device may send it)."""
        if state in ("failed", "expired"):
            self.release(key)
            return
        seconds = float(self._settings.get("fleet.ledger_ttl_seconds"))
        self._guarded(lambda ledger: ledger.record(key, self.device, state, seconds))

    def release(self, key: str) -> None:
        """Give ``key`` back (nothing was sent)."""
        self._guarded(lambda ledger: ledger.release(key, self.device))

    def holder(self, key: str) -> SharedClaim | None:
        """Who holds ``key`` (the admin's lookup); ConnectionError when unreachable."""
        ledger = self._current()
        if ledger is None:
            return None
        return ledger.lookup(key)

    def close(self) -> None:
        """Close the adapter's connection."""
        with self._lock:
            ledger, self._ledger = self._ledger, None
        if ledger is not None:
            with contextlib.suppress(OSError):
                ledger.close()

    # -- inside --------------------------------------------------------------------------
    def _current(self) -> SharedLedger | None:
        if not self.enabled:
            self._reached()
            return None
        url = str(self._settings.get("fleet.ledger_url") or "")
        with self._lock:
            if self._ledger is None or url != self._url:
                old, self._ledger, self._url = self._ledger, self._factory(url), url
            else:
                old = None
            ledger = self._ledger
        if old is not None:
            with contextlib.suppress(OSError):
                old.close()
        return ledger

    def _guarded(self, action: Callable[[SharedLedger], T]) -> T | None:
        """``action`` on the adapter; None (and the state, and one alert) when the store
        cannot be reached."""
        ledger = self._current()
        if ledger is None:
            return None
        try:
            result = action(ledger)
        except OSError as exc:
            self._unreachable(str(exc)[:300])
            return None
        self._reached()
        return result

    def _unreachable(self, error: str) -> None:
        with self._lock:
            first = not self._error
            self._error = error
        if first:
            log.error("shared ledger unreachable; sending goes on with the local ledger: %s",
                      error)  # fmt: skip
        self._alerts.raise_alert(
            ALERT_KEY, "shared_ledger", Wording(ALERT_TITLE), Wording(ALERT_TEXT),
            advice=Wording(ALERT_ADVICE), severity="warning",
        )  # fmt: skip

    def _reached(self) -> None:
        with self._lock:
            was, self._error = self._error, ""
        if was:
            log.info("shared ledger reachable again")
            self._alerts.clear(ALERT_KEY, "the shared ledger answers again")


__all__ = ["ALERT_KEY", "UNREACHABLE_NOTE", "ClaimedElsewhereError", "LedgerState", "SharedClaims"]
