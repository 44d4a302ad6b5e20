"""Limits against SMS pumping, checked for every message before anything reaches a modem.

``SendLimits.check`` reads the ``limits.*`` settings in force, refuses a number outside the
allow/deny lists (``NOT_ALLOWED``) or over a rate limit (``RATE_LIMITED``, with the seconds
until it could pass), and otherwise counts the message in every rate window. A message is
counted when the limits let it through, whatever happens to it next (sent, failed, unknown,
or refused later for its text, the blocking list, a duplicate id or no modem): pumping is
paid by the attempt. A refused message is not counted, so refusals never lengthen a wait.

The counts live in memory (the longest window is a day): a restart starts them afresh.
Messages the administrator sends from the admin (``manual``) are not limited. Each refusal
is counted by reason (``refusals``, shown on ``/metrics``) and published to the event log
(outcome ``refused``, code = the reason, masked number), never with the text.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from otpbroker.domain.errors import SendRefusedError
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.domain.ports import Settings
from otpbroker.domain.pumping import (
    REASONS,
    DestinationRules,
    PumpingGuard,
    RateLimit,
    Refusal,
    number_prefix,
)
from otpbroker.i18n.translate import N_, _
from otpbroker.services.events import EventLog, SmsEvent

HOUR = 3600
# (setting, scope, window seconds, what the window is called in a refusal)
RATE_SETTINGS = (
    ("limits.recipient_per_hour", "recipient", HOUR, "hour"),
    ("limits.recipient_per_day", "recipient", 24 * HOUR, "day"),
    ("limits.prefix_per_hour", "prefix", HOUR, "hour"),
    ("limits.user_per_minute", "user", 60, "minute"),
    ("limits.user_per_hour", "user", HOUR, "hour"),
)
WINDOW_NAMES = {seconds: name for _key, _scope, seconds, name in RATE_SETTINGS}
#: A refusal by a list, per reason (whole sentences: the reader's language when shown).
LIST_TEXTS = {
    "country": N_("{number} may not be sent to: its country code is not in "
                  "limits.allowed_countries"),
    "prefix_denied": N_("{number} may not be sent to: it starts with a prefix in "
                        "limits.denied_prefixes"),
    "prefix_not_allowed": N_("{number} may not be sent to: it starts with no prefix in "
                             "limits.allowed_prefixes"),
}  # fmt: skip
#: A refusal by a rate, per (scope, window name); "" is any other window, in seconds.
RATE_TEXTS = {
    ("recipient", "hour"): N_("too many messages to {number}: {count} per hour ({setting}); "
                              "retry in {retry} s"),
    ("recipient", "day"): N_("too many messages to {number}: {count} per day ({setting}); "
                             "retry in {retry} s"),
    ("recipient", ""): N_("too many messages to {number}: {count} per {seconds} s ({setting}); "
                          "retry in {retry} s"),
    ("prefix", "hour"): N_("too many messages to the numbers sharing the prefix of {number}: "
                           "{count} per hour ({setting}); retry in {retry} s"),
    ("prefix", ""): N_("too many messages to the numbers sharing the prefix of {number}: "
                       "{count} per {seconds} s ({setting}); retry in {retry} s"),
    ("user", "minute"): N_("too many messages from this API user or feeder: {count} per minute "
                           "({setting}); retry in {retry} s"),
    ("user", "hour"): N_("too many messages from this API user or feeder: {count} per hour "
                         "({setting}); retry in {retry} s"),
    ("user", ""): N_("too many messages from this API user or feeder: {count} per {seconds} s "
                     "({setting}); retry in {retry} s"),
}  # fmt: skip


class LimitedRequest(Protocol):
    """What the limits read of a request (``services.sms.SmsRequest``)."""

    @property
    def source(self) -> str:
        """The transport or feeder the request came by."""
        ...

    @property
    def user(self) -> str | None:
        """The API user, None for a feeder."""
        ...

    @property
    def manual(self) -> bool:
        """True for the administrator's own sends from the admin."""
        ...


class SendGuard(Protocol):
    """Refuses (raises ``SendRefusedError``) or counts a message about to be sent."""

    def check(self, request: LimitedRequest, msisdn: str) -> None:
        """Raise ``SendRefusedError`` when a limit refuses ``msisdn``; else count it."""
        ...


class NoLimits:
    """A guard that lets everything through (a service built without limits)."""

    def check(self, request: LimitedRequest, msisdn: str) -> None:
        """Let the message through."""


def sender_key(request: LimitedRequest) -> str:
    """Whom the per-user limits count: the API user, else the feeder or transport."""
    return f"user:{request.user}" if request.user else f"source:{request.source}"


class SendLimits:
    """The ``limits.*`` settings applied to each message; refusals counted by reason."""

    def __init__(
        self,
        settings: Settings,
        events: EventLog | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: any monotonic clock in seconds (tests hand in a fake one)."""
        self._settings = settings
        self._events = events
        self._clock = clock
        self._guard = PumpingGuard()
        self._lock = threading.Lock()
        self._refused: Counter[str] = Counter()

    def check(self, request: LimitedRequest, msisdn: str) -> None:
        """Refuse ``msisdn`` with ``SendRefusedError`` or count the message it gets."""
        if request.manual:
            return
        refusal = self._rules().refusal(msisdn)
        if refusal is None:
            digits = int(self._settings.get("limits.prefix_digits"))
            keys = {
                "recipient": msisdn,
                "prefix": number_prefix(msisdn, digits),
                "user": sender_key(request),
            }
            refusal = self._guard.admit(keys, self._limits(), self._clock())
        if refusal is not None:
            self._refuse(request, msisdn, refusal)

    def refusals(self) -> dict[str, int]:
        """Refusals since start by reason, every reason listed (0 when none)."""
        with self._lock:
            return {reason: self._refused[reason] for reason in REASONS}

    def _rules(self) -> DestinationRules:
        def digits(key: str) -> tuple[str, ...]:
            return tuple(str(item) for item in self._settings.get(key))

        return DestinationRules(
            digits("limits.allowed_countries"),
            digits("limits.allowed_prefixes"),
            digits("limits.denied_prefixes"),
        )

    def _limits(self) -> list[RateLimit]:
        return [RateLimit(scope, int(self._settings.get(key)), seconds, key)
                for key, scope, seconds, _name in RATE_SETTINGS]  # fmt: skip

    def _refuse(self, request: LimitedRequest, msisdn: str, refusal: Refusal) -> None:
        with self._lock:
            self._refused[refusal.reason] += 1
        if self._events is not None:
            self._events.publish(
                SmsEvent.now(request.source, request.user, msisdn, "refused", refusal.reason)
            )
        raise SendRefusedError(
            refusal_text(refusal, msisdn), reason=refusal.reason, retry_after=refusal.retry_after
        )


def refusal_text(refusal: Refusal, msisdn: str) -> str:
    """The reply text of a refusal: the masked number and the limit, never a message text
    (in the current language: English for the API and the feeders)."""
    masked = mask_msisdn(msisdn)
    limit = refusal.limit
    if limit is None:
        return _(LIST_TEXTS[refusal.reason]).format(number=masked)
    window = WINDOW_NAMES.get(limit.seconds, "")
    text = RATE_TEXTS.get((limit.scope, window)) or RATE_TEXTS[(limit.scope, "")]
    return _(text).format(number=masked, count=limit.count, setting=limit.name,
                          retry=refusal.retry_after, seconds=limit.seconds)  # fmt: skip


__all__ = ["LimitedRequest", "NoLimits", "SendGuard", "SendLimits", "refusal_text", "sender_key"]
